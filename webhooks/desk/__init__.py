"""The order desk: the staff's web page, served as static files with strict security headers."""
