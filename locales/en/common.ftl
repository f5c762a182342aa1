# The layout, the header and the pages every part of Tollgate shares.

brand = Tollgate

## The header
nav-main = Main
nav-account = Account
nav-portal = Developer portal
nav-admin = Admin
nav-signed-in-as = Signed in as
sign-in = Sign in
sign-up = Sign up
sign-out = Sign out

## Home
home-title = Home
home-welcome = Welcome, { $username }
home-account = Your account
home-account-about = Your profile and the applications you have allowed.
home-portal = Developer portal
home-portal-about = Register applications and manage their credentials.
home-admin = Administration
home-admin-about = Users, applications, APIs and the audit trail.

## Error pages
error-close = You can close this page and go back to the application.
error-bad-request = This request cannot be handled
error-not-found = Not found
error-not-found-page = There is no page at this address.
error-not-allowed = Not allowed
error-not-allowed-method = This page does not take that kind of request.
error-change-refused = Change refused
error-form-expired = The form expired or was not sent from this site. Nothing was changed.
error-unavailable = Temporarily unavailable
error-unavailable-message = The service is temporarily unavailable. Please try again in a moment.
error-busy = Busy signing people in
error-busy-message = Many people are signing in right now. Please wait a moment and try again.
form-not-a-form = The form was not sent as a form.
form-too-large-title = Too large
form-too-large = The form is too large.
form-unreadable = The form could not be read.
form-too-slow-title = Too slow
form-too-slow = The form did not arrive in time.
form-malformed = The form is malformed: { $why }.
request-malformed = The request is malformed: { $why }.

## An application no administrator verified, whose request failed
unverified-error-title = This sign-in request cannot go on
unverified-error-failed = The request from { $client } could not be completed.
unverified-error-why = { $client } is an application no administrator of this server has verified, so you are not sent back to it automatically. Continue only if you trust it.
unverified-error-return = Return to { $client }

## Sign-in page
login-username = Username
login-password = Password
login-new-here = New here?
login-create-account = Create an account
login-forgot = Forgot your password?
login-incorrect = The username or password is incorrect.
login-throttled = { $seconds ->
    [one] Too many failed attempts. Try again in 1 second.
   *[other] Too many failed attempts. Try again in { $seconds } seconds.
}
login-form-expired = The form expired or was not sent from this page. Please try again.
login-enter-both = Enter your username and password.
