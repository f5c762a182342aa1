# The consent pages (a browser's authorization request, a device's) and the
# device flow's pages. A name the page sets in bold or as code stands
# between the words of two messages (the one before it, then the rest).

## Both consent pages
consent-title = Allow access
consent-heading = Allow { $client } to access your account?
consent-sent-back-to = You will be sent back to
consent-withdraw = You can withdraw this on your account page at any time.
consent-allow = Allow
consent-deny = Deny

## Who is asking
consent-verified = ✓ Verified
consent-verified-why = An administrator of this server has reviewed this application
consent-run-by = Run by
consent-owner-gone = a developer whose account no longer exists
consent-owner-operator = the server's operator
consent-owner-unknown = someone who registered it themselves (not known to this server)
consent-unverified = Unverified application.
consent-unverified-why = No administrator of this server has reviewed { $client }; its name and details are what its developer chose. Allow it only if you know who runs it.
consent-no-homepage = No home page given.

## What it asks for
consent-identity-only = The application asks only to know who you are.
consent-asks-to = It asks to:
# The words the scope catalogue starts with for the standard scopes. Words
# an operator gave a scope are shown as written.
consent-scope-openid = Sign you in and learn your account identifier
consent-scope-profile = See your name and username
consent-scope-email = See your email address

## Not you?
consent-not = Not
consent-switch-account = Sign in as someone else

## The consent form's answer
consent-invalid-request = This sign-in request is invalid
consent-session-ended = Your session has ended. Start again from the application.
consent-refused = Request refused
consent-form-expired = The form expired or was not sent from this site. Nothing was approved.
consent-request-malformed = The authorization request is malformed.
consent-no-decision = No decision was sent.

## Connecting a device
device-title = Connect a device
device-enter-code = Enter the code your device shows.
device-code = Code
device-continue = Continue
device-code-invalid = That code is not valid, or it has expired. Check the code your device shows and try again; if it has expired, start again on your device.
device-too-many-title = Too many attempts
device-too-many = Too many codes were tried. Please wait a few minutes before you try again.
device-consent-heading = Allow { $client } on your device to access your account?
device-consent-warning = Allow only if you started this yourself and the code matches the one your device shows. Nobody from this service will ever ask you to enter a code you were sent.
device-connected = Device connected
device-connected-message = You allowed { $client } to access your account.
device-denied = Request denied
device-denied-message = { $client } was not given access to your account.
device-return = You may return to your device now. You can close this page.
device-gone-title = This code can no longer be used
device-gone = The code has expired or was already used. Start again on your device.

## Why an authorization request cannot go on (nothing is sent back to the application)
authorize-no-client = The request names no client (client_id is missing).
authorize-unregistered = The application that sent you here is not registered.
# $rule: the rule the document broke, in English.
authorize-document-refused = The application's client metadata document was refused: { $rule }.
authorize-redirect-unregistered = The redirect address in the request is not registered for this application.
authorize-no-redirect = The request has no redirect address, and the application has none or several registered.
authorize-suspended = This application is suspended.
authorize-pushed-gone = This sign-in request has expired or was already used. Start again from the application.
