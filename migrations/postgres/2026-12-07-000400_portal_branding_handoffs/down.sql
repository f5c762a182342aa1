DROP TABLE secret_handoffs;
DROP TABLE client_branding;
