# The account pages: the profile, the applications allowed, the sessions,
# the password and deleting the account. A name the page sets in bold or
# as a link stands between the words of two messages.

## The account page
account-title = Your account
account-profile = Your profile
account-profile-saved = Your profile was saved.
account-profile-not-saved = Your profile was not saved: correct the fields marked below.
account-full-name = Full name
account-given-name = Given name
account-family-name = Family name
account-optional = (optional)
account-email = Email address
account-email-verified = (verified)
account-email-not-verified = (not verified)
account-email-about = Applications you allow to see your email address are told whether it is verified; a new address is not verified.
account-email-taken = That email address is already in use by another account.
account-save-profile = Save profile
account-verification-sent = We sent a verification link to your address.
account-send-again = Send it again

## Applications allowed
account-apps = Applications you have allowed
account-no-apps = You have not allowed any application yet.
account-app-identity = your identity
account-withdraw = Withdraw
account-withdraw-label = Withdraw access for { $app }
account-no-app-named = No application was named.

## Sessions
account-sessions = Where you are signed in
account-sessions-ended = Those sessions are signed out.
account-this-browser = this browser
account-session-facts = From { $address } · signed in { $signed_in } · last used { $last_used }
account-session-unknown = unknown
account-session-sign-out-label = Sign out { $browser } from { $address }
account-sign-out-others = Sign out everywhere else
account-no-session-named = No session was named.
account-no-such-session = You have no such session: nothing was signed out.
# A browser's summary: "Firefox on Linux". Browser and system names are
# not translated.
account-browser-on = { $browser } on { $system }
account-a-browser-on = A browser on { $system }
account-unknown-browser = Unknown browser

## The password
account-change-password = Change password
account-change-password-title = Change your password
account-password-changed = Your password was changed.
account-current-password = Current password
account-new-password = New password
account-password-minimum = (at least 8 characters)
account-new-password-again = New password again
account-sign-out-my-others = Sign out my other sessions
account-back = Back to your account
account-enter-current-password = Enter your current password.
account-passwords-differ = The new password and its confirmation differ.
account-password-length = A password must be { $min } to { $max } characters long.
account-password-incorrect = Your current password is incorrect.
account-password-not-changed = Your password was not changed
account-password-not-stored = The new password could not be stored. Please try again.
account-throttled = { $seconds ->
    [one] Too many wrong passwords. Try again in 1 second.
   *[other] Too many wrong passwords. Try again in { $seconds } seconds.
}

## Deleting the account
account-delete-title = Delete your account
account-delete-link = Delete my account…
account-owns-apps-before = You own these registered applications. Other people may sign in through them, so delete them or ask an administrator to take them over in the
account-owns-apps-portal = developer portal
account-owns-apps-after = first:
account-delete-consequences = This signs you out everywhere, withdraws every application's access to your account, and deletes your account and profile. It cannot be undone.
account-delete-confirm-before = Type your username,
account-delete-confirm-after = , to confirm
account-delete = Delete my account
account-keep = Keep my account
account-delete-wrong-username = The username you typed is not this account's: nothing was deleted.
account-delete-password-incorrect = Your current password is incorrect: nothing was deleted.
account-delete-owns-apps = Your account was not deleted: you own registered applications.
account-delete-last-admin = Your account was not deleted: you are the last administrator. Make someone else an administrator first.
account-deleted = Your account was deleted
account-deleted-message = You are signed out everywhere, and applications can no longer use your account.
