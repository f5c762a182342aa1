DROP TABLE email_throttle;
DROP TABLE email_tokens;
