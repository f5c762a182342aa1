# portal
