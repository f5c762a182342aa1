# The rules a form's field can break, as a page says them. The JSON APIs
# and the CLI say the same in English from the code; these English
# messages are the same words.

## Text shown to users (an application's name and description, an API's name)
rule-text-length = { $what ->
    [name] the name
    [description] the description
    [api-name] the API's name
   *[other] the text
} must be { $least } to { $max } characters
rule-text-invisible = { $what ->
    [name] the name
    [description] the description
    [api-name] the API's name
   *[other] the text
} must not contain invisible or control characters (found { $code })

## Accounts and profiles
rule-username = a username is 1 to 64 characters: letters, digits and . _ - @
rule-password-length = a password must be { $min } to { $max } characters long
rule-email-empty = enter an email address
rule-email-required = enter your email address
rule-email-too-long = an email address is at most { $max } bytes long
rule-email-spaces = an email address has no spaces or control characters (found { $code })
rule-email-one-at = an email address has exactly one @, as in name@example.com
rule-email-no-local-part = an email address needs a name before the @
rule-email-local-part-too-long = the part of an email address before the @ is at most { $max } bytes long
rule-email-character = the character { $character } cannot appear in an email address
rule-email-dots = dots in an email address go between characters, one at a time
rule-email-domain = the part of an email address after the @ must be a domain such as example.com (letters, digits and hyphens; an international domain in its xn-- form)
rule-email-verified-without-address = there is no email address to mark verified
rule-name-too-long = a name is at most { $max } characters long
rule-name-invisible = a name must not contain invisible or control characters (found { $code })

## Scopes and grant types
rule-scope = { $scope } is not a valid scope (1 to { $max } printable ASCII characters, no space, quote or backslash)
rule-scope-description-length = the description must be 1 to { $max } characters
rule-scope-not-offered = { $scope } is not a scope this server offers
rule-grant-type-unknown = unknown grant type { $grant }
rule-grant-types-none = choose at least one grant type
rule-public-client-credentials = a public client cannot use client_credentials: it has no secret to prove who it is
rule-password-grant-untrusted = the password grant is only for trusted (first-party) clients
rule-password-grant-self-service = the password grant is not available to self-registered clients
rule-client-credentials-self-service = client credentials are not available to self-registered clients on this server
rule-implicit-disabled = the implicit grant is not enabled on this server
rule-trusted-admin-only = only an administrator can mark a client trusted

## Redirect URIs
rule-redirect-uri-length = a redirect URI must be 1 to { $max } characters long
rule-redirect-uri-spaces = a redirect URI cannot contain spaces or control characters
rule-redirect-uri-wildcard = a redirect URI cannot contain a wildcard
rule-redirect-uri-fragment = a redirect URI cannot contain a fragment
rule-redirect-uri-absolute = { $uri } is not an absolute URI ({ $why })
rule-redirect-uri-user-information = a redirect URI cannot contain user information
rule-redirect-uri-host = a redirect URI must name a host
rule-redirect-uri-http = a redirect URI must use https (http is allowed only on loopback hosts)
rule-redirect-uri-scheme = a redirect URI must use https, not { $scheme }
rule-redirect-uri-needed = the authorization_code and implicit grants need at least one redirect URI
rule-redirect-uris-too-many = at most { $max } redirect URIs
rule-post-logout-redirect-uris-too-many = at most { $max } post-logout redirect URIs

## Other addresses (home page, logo, back-channel logout, resources)
rule-web-uri-ascii = must be printable ASCII (percent-encode other characters)
rule-web-uri-absolute = must be an absolute https URL
rule-web-uri-https = must be an https URL of at most 2000 characters
rule-backchannel-uri = must be an absolute https URL of at most 2000 printable ASCII characters
rule-uri-fragment = cannot contain a fragment
rule-uri-user-information = cannot contain user information
rule-uri-host = must name a host
rule-uri-https = must use https (http is allowed only on loopback hosts)
rule-resource = { $resource } is not an absolute URI without a fragment

## OpenID Connect settings
rule-sector-identifier-uri = is not supported: a pairwise client's sector is the host of its redirect URIs
rule-subject-type = { $subject_type } is not supported; use public or pairwise
rule-subject-type-kept = stays { $subject_type } once registered: its users' identifiers depend on it
rule-default-max-age = must be a number of seconds, 0 or more
rule-signing-alg = { $alg } is not supported; use RS256, ES256 or EdDSA
rule-signing-alg-no-key = this server has no { $alg } key; it signs with { $published }
rule-pairwise-loopback = a pairwise client needs redirect URIs on a host of its own: loopback addresses are every native app's
rule-pairwise-no-redirect-uri = a pairwise client needs redirect URIs: their host is its sector
rule-pairwise-one-host = a pairwise client's redirect URIs must share one host (sector_identifier_uri is not supported)
rule-pairwise-sector-kept = a pairwise client's redirect URIs must stay on { $sector }: its users' identifiers depend on it

## APIs (resource servers) and their roles
rule-api-identifier = { $identifier } is not a valid API identifier (an absolute https URI without a fragment; http only on loopback)
rule-api-role = { $role } is not a valid role name (1 to { $max } printable ASCII characters, no space, quote or backslash)
rule-api-exists = an API with the identifier { $identifier } already exists
rule-api-unknown = no API with the identifier { $identifier }
rule-api-scope-taken = the scope { $scope } belongs to another API
rule-api-too-many-roles = an API defines at most { $max } roles
rule-api-no-such-role = the API { $identifier } defines no role { $role }
rule-api-too-many-held-roles = one user or client holds at most { $max } roles of one API
