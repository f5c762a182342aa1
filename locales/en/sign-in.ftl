# sign-in: sign-up, sign-out, password reset, email verification

## Shared by these pages
sign-in-form-expired = The form expired. Please try again.
sign-in-passwords-differ = The two passwords differ.
sign-in-password-hint = (at least 8 characters)
sign-in-email = Email address

## Sign-up
signup-title = Create a developer account
signup-errors = No account was created: correct the fields marked below.
signup-username = Username
signup-name = Your name
signup-optional = (optional)
signup-password = Password
signup-password-again = Password again
signup-create = Create account
signup-have-account = Already have one?
signup-throttled = { $seconds ->
    [one] Too many accounts were created from your address. Try again in 1 second.
   *[other] Too many accounts were created from your address. Try again in { $seconds } seconds.
}
signup-username-taken = That username is taken.
signup-email-taken = That email address is already in use by another account.

## Sign-out
signout-question = Sign out of { brand }?
# After the application's name, in bold.
signout-client-asks = asks to sign you out.
signout-every-application = This ends your session for every application.
signout-other-account = The application named another account or session than the one signed in here. Sign out only if you mean to end this session.
signout-refused = Sign-out refused
signout-done-title = Signed out
signout-done = You are signed out
signout-session-ended = Your session has ended.
signout-return = Return to { $client }
signout-sign-in-again = Sign in again

## Forgot password
password-forgot-title = Forgot your password?
password-forgot-sent = If an account has this address as its verified email address, we have sent it a link to choose a new password. The link works for 30 minutes. Nothing arrived? Check your spam folder, or ask again in a while.
password-forgot-intro = Enter the email address of your account, and we will send you a link to choose a new password.
password-forgot-send = Send me a link
password-forgot-back = Back to sign-in
password-forgot-enter-email = Enter the email address of your account.

## Choosing a new password
password-reset-title = Choose a new password
password-reset-done-title = Your password was changed
password-reset-done = Every session of your account was signed out. Sign in with your new password.
# Before the account's name, in bold.
password-reset-for-account = For the account
password-reset-signs-out = Setting it signs you out everywhere.
password-reset-new = New password
password-reset-new-again = New password again
password-reset-set = Set the new password
password-reset-link-refused = This reset link does not work
password-reset-ask-again = Ask for a new link

## Verifying an email address
email-verify-title = Verify your email address
email-verify-done-title = Email address
email-verify-go-to-account = Go to your account
# Around the address, in bold: "Confirm that" <address> "is your address."
email-verify-confirm-that = Confirm that
email-verify-is-yours = is your address.
email-verify-confirm = Confirm my address
email-verify-verified = Your email address is verified. Thank you.
email-verify-sent = We sent a new verification link to your email address. It works for 24 hours.
email-verify-link-refused = This verification link does not work
email-verify-ask-in-account = Go to your account to ask for a new link
email-verify-sign-in-to-ask = Sign in to ask for a new link
email-verify-too-many-title = Too many emails
email-verify-too-many = { $minutes ->
    [one] Too many verification emails were sent for this account. Try again in 1 minute.
   *[other] Too many verification emails were sent for this account. Try again in { $minutes } minutes.
}

## Why a link from an email does not work
email-link-unknown = This link is not valid: it may have been mistyped, or a newer email replaced it.
email-link-used = This link was used already: each link works once.
email-link-expired-verify = This link has expired: a verification link works for 24 hours.
email-link-expired-reset = This link has expired: a reset link works for 30 minutes.
email-link-address-changed = The account's email address changed since this link was sent, so it no longer works.
email-link-suspended = This account is suspended: its password cannot be reset.
email-link-wrong-user = This link belongs to another account than the one signed in here. Sign out, then open the link again.

## Why a logout request is refused
signout-hint-not-ours = The id_token_hint is not an id token this server issued.
signout-hint-of-another-client = The id_token_hint was issued to another application than client_id names.
signout-no-such-client = There is no such application.
signout-state-too-long = The state parameter is too long.
signout-redirect-unregistered = The address to return to after signing out is not registered for this application.
