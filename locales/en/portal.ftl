# The developer portal: the list of applications, the application form,
# deleting, the secret shown once, logos.

## The list
portal-title-own = Your applications
portal-title-all = All applications
portal-as-administrator = (administrator)
portal-admin-users = Users and sign-in lockouts
portal-register = Register an application
portal-no-apps = No application registered yet.
portal-public = public
portal-confidential = confidential
portal-trusted = trusted
portal-suspended = suspended
portal-verified = verified
portal-unverified = unverified
portal-unverified-not-reviewed = unverified (an administrator has not reviewed it)

## What a change did
portal-done-saved = Your changes were saved.
portal-done-flags = The administration settings were saved.
portal-done-logo = The logo was uploaded.
portal-done-logo-removed = The logo was removed.
portal-done-deleted = The application was deleted.
portal-done-registered = The application was registered.

## The application form
portal-edit-title = Edit application
portal-client-id = Client id:
portal-form-errors = The application was not saved: correct the fields marked below.
portal-name = Name
portal-description = Description
portal-homepage = Home page
portal-optional = (optional)
portal-logo-uri = Logo URL
portal-logo-uri-hint = (optional; kept for registration clients, never shown: upload a logo on the application's page)
portal-redirect-uris = Redirect URIs
portal-redirect-uris-hint = (one per line; https, or http on localhost)
portal-post-logout = After sign-out, return to
portal-post-logout-hint-before = (optional; one per line; the addresses
portal-post-logout-hint-after = may name)
portal-backchannel = Back-channel logout URI
portal-backchannel-hint = (optional; Tollgate posts a logout token here when a session your app took part in ends)
portal-backchannel-session = The logout token must name the session
portal-type = Type
portal-type-confidential = Confidential (a server that keeps a secret)
portal-type-public = Public (single-page or native app, no secret)
portal-auth-method = How a confidential app proves who it is
portal-auth-secret = A client secret, shown once
portal-auth-jwt = A JWT signed with its own key
portal-auth-jwt-no-secret = no secret exists
portal-jwks-uri = Where its public keys are
portal-jwks-uri-hint = (private_key_jwt; or paste them below)
portal-jwks = Its public keys (a JWK Set)
portal-dpop = Every access token is bound to the app's key with DPoP (RFC 9449): a token request without a DPoP proof is refused
portal-grant-types = Grant types
portal-grant-authorization-code = Authorization code (with PKCE)
portal-grant-refresh-token = Refresh tokens
portal-grant-client-credentials = Client credentials (confidential apps)
portal-grant-device-code = Device code (TVs, command-line tools: the user approves on another device)
portal-grant-implicit = Implicit
portal-scopes = Scopes
portal-no-scopes = This server offers no scopes yet.
portal-save-changes = Save changes
portal-register-button = Register
portal-back = Back to your applications
portal-keys-without-private-key-jwt = public keys are for private_key_jwt: choose it, or leave them out
portal-keys-public-app = a public app has no credentials: private_key_jwt is for confidential apps

## The client secret
portal-client-secret = Client secret
portal-overlap = The old secret stops working
portal-overlap-now = at once
portal-overlap-hour = in an hour
portal-overlap-day = in a day
portal-rotate = Rotate the secret
portal-rotate-choose-overlap = Choose when the old secret stops working.
portal-rotate-public = A public client has no secret to rotate.
portal-secret-not-handed-over = The secret could not be handed over; rotate it to get a new one.

## The logo
portal-logo = Logo
portal-logo-alt = The logo of { $name }
portal-logo-remove = Remove the logo
portal-no-logo = No logo uploaded. Users see it on the consent page once an administrator has verified the application.
portal-logo-file = PNG or JPEG, at most 100 KB, square, from 32×32 to 512×512 pixels
portal-logo-upload = Upload the logo
portal-logo-choose-file = Choose an image file to upload.
portal-logo-too-large = The logo must be at most 100 KB.
portal-logo-not-png-or-jpeg = The logo must be a PNG or JPEG image.
portal-logo-unreadable = The file is not a readable PNG or JPEG image.
portal-logo-size = The logo must be from 32×32 to 512×512 pixels.
portal-logo-not-checked = The logo could not be checked.
portal-logo-none = This application has no logo.
portal-upload-unreadable = The upload could not be read.
portal-upload-malformed = The upload is malformed.

## Administration of an application
portal-administration = Administration
portal-flag-trusted = Trusted (first-party: skips consent)
portal-flag-suspended = Suspended (no new tokens; its tokens stop working)
portal-flag-verified = Verified (reviewed: its owner and purpose are known)
portal-organisation = Organisation
portal-organisation-hint = (shown on consent as the owner instead of the developer's account name; empty: none)
portal-access-tokens = Access tokens
portal-token-jwt = JWT (signed; resource servers verify them offline)
portal-token-opaque = Opaque (a reference; checked by introspection or the gateway)
portal-save = Save
portal-flags-token-format = Choose JWT or opaque access tokens.
portal-flags-organisation = The organisation must be at most 100 characters, without control characters.
portal-no-such-application = There is no such application.

## Deleting
portal-delete = Delete
portal-delete-about = Deleting revokes every token and consent of this application.
portal-delete-link = Delete this application…
portal-delete-title = Delete { $name }
portal-delete-question = Delete { $name }?
portal-delete-warning-before = Deleting revokes every token and consent of this application, and its client id
portal-delete-warning-after = stops working at once. This cannot be undone.
portal-delete-confirm-before = Type the application's name
portal-delete-confirm-after = to confirm
portal-delete-wrong-name = That is not the application's name: nothing was deleted.
portal-delete-button = Delete this application
portal-delete-keep = Keep it

## The secret, shown once
portal-secret-title = Your client credentials
portal-secret-copy-of = Copy the client secret of
portal-secret-label = Client secret:
portal-secret-copy-now = Copy the secret now.
portal-secret-warning = It is stored only as a hash and will not be shown again, not even if you reload this page. Select it and copy it (Ctrl+C or ⌘C) into your application's configuration.
portal-secret-public = This is a public client: it has no secret. Use PKCE.
portal-secret-already-shown = The secret was already shown, and is not kept anywhere it could be shown from again. If you did not copy it, rotate the secret to get a new one.
portal-secret-rotate-now = Rotate the secret now
portal-secret-go-to-app = Go to the application
portal-secret-all-apps = All applications
