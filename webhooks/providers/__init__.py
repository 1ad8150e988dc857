"""Chat providers' webhook routes: Twilio (SMS and WhatsApp), Instagram and Telegram, and what they share."""
