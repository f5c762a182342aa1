# sign-in
