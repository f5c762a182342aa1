# email: what the emails say, in the language of the request that sent them

mail-hello = Hello { $username },
mail-ignore-if-not-you = If this was you, there is nothing to do.

## A link that confirms the address
mail-verify-subject = Confirm your email address
mail-verify-open-link = please confirm that this address belongs to your account at { $site } by opening this link within 24 hours:
mail-verify-link = Confirm my email address
mail-verify-after = The page it opens asks you to confirm once more. If you did not ask for this, ignore this email: nothing changes until the link is used.

## A link to set a new password
mail-reset-subject = Reset your password
mail-reset-open-link = someone (we hope you) asked to reset the password of your account at { $site }. To choose a new password, open this link within 30 minutes:
mail-reset-link = Choose a new password
mail-reset-after = The link works once. Setting a new password signs you out everywhere. If you did not ask for this, ignore this email: your password stays as it is.

## The password was changed
mail-password-changed-subject = Your password was changed
mail-password-changed = the password of your account at { $site } was just changed, and every session signed in with the old one was ended.
# The HTML email, around a link: "If it was not," <reset your password> "at once and tell your administrator."
mail-password-changed-if-not = If it was not,
mail-password-changed-reset = reset your password
mail-password-changed-at-once = at once and tell your administrator.
# The text email, with the address of the page.
mail-password-changed-if-not-text = If it was not, reset your password at { $page } at once and tell your administrator.

## The address was changed (sent to the old one)
mail-email-changed-subject = Your email address was changed
mail-email-changed-to = the email address of your account at { $site } was just changed to { $address }. This is the last email this address gets about the account.
mail-email-changed-removed = the email address of your account at { $site } was just changed. This is the last email this address gets about the account.
mail-email-changed-if-not = If it was not, sign in and put your address back, change your password, and tell your administrator.
