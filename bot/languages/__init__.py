"""The customers' own languages: which one a message is in, the words of each, and what we say in each."""
