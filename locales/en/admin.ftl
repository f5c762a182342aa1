# The administrators' pages: the index, users, apps, APIs, the scope
# catalogue and the audit trail.

## What every administrators' page shares
admin-title = Administration
admin-users = Users
admin-apps = Apps
admin-scopes = Scopes
admin-apis = APIs
admin-audit = Audit trail
# After "Signed in as <name>".
admin-as-administrator = (administrator).
admin-yes = yes
admin-no = no
admin-none = none
admin-save = Save
admin-keep-it = Keep it
admin-email-verified = (verified)
admin-email-unverified = (not verified)
admin-unlock = Unlock { $username }
admin-lockouts = Sign-in lockouts
admin-no-lockouts = No lockout or slowdown in force.
# What a lockout counts (an identifier of the throttle); unknown ones as they are.
admin-lockout-kind = { $kind ->
    [account] account
    [pair] pair
    [client] client
    [address] address
    [register] register
   *[other] { $kind }
}

## The index
admin-index-users-about = find an account; suspend or reinstate it, lift its lockouts, end its sessions, withdraw the apps it allowed
admin-index-apps-about = every registered app: verify, trust or suspend it
admin-index-scopes-about = the scope catalogue: what apps may ask for, in the words consent pages show
admin-index-apis-about = the APIs, their scopes and roles
admin-index-audit-about = who changed what, and every sign-in

## The users list
admin-users-search-label = Username or email address contains
admin-users-search = Search
admin-users-accounts = Accounts
admin-users-none = No account matches.
admin-users-past-last = { $total ->
    [one] 1 account matches; this page is past the last one.
   *[other] { $total } accounts match; this page is past the last one.
}
admin-users-range = { $first }–{ $last } of { $total }
admin-users-administrator = administrator
admin-users-suspended = suspended
admin-users-no-email = no email address
admin-users-previous = Previous page
admin-users-next = Next page
admin-users-lockout-what = what
admin-users-lockout-account = account
admin-users-lockout-other = address or client
admin-users-lockout-attempts = attempts
admin-users-lockout-locked = locked
admin-users-lockout-locked-for = for { $seconds } s
admin-users-lockout-slowed = no (slowed)
admin-users-roles = Roles
admin-users-roles-apis = APIs and their roles
admin-users-roles-account = Account
admin-users-roles-api = API identifier
admin-users-roles-role = Role
admin-users-roles-give = give
admin-users-roles-take = take away
admin-users-roles-change = Change the role
admin-users-search-too-long = Search for at most { $max } characters, none of them a control character.
admin-users-no-page = That page does not exist: pages are numbered from 1.
admin-users-no-such-user = There is no such user.
admin-users-name-account = Name the account to unlock.

## What the users pages say after a change
admin-users-done-unlocked = The account's sign-in lockouts were lifted.
admin-users-done-suspended = The account is suspended: its sessions ended, its tokens stopped working, and it cannot sign in.
admin-users-done-reinstated = The account is reinstated: it can sign in again.
admin-users-done-reset-sent = A password reset link was sent to the account's email address (valid 30 minutes).
admin-users-done-session-ended = The session ended: its refresh tokens were revoked and its access tokens stopped working.
admin-users-done-withdrawn = The app's access was withdrawn: its refresh tokens were revoked and its access tokens stopped working.

## A user's page
admin-user-all = All users
admin-user-id = Id
admin-user-email = Email address
admin-user-admin = Administrator
admin-user-suspended = Suspended
# After "yes: ".
admin-user-suspended-why = it cannot sign in and is given no tokens
admin-user-created = Created
admin-user-password-changed = Password changed
admin-user-suspension = Suspension
admin-user-reinstate = Reinstate { $username }
admin-user-self = This is your own account: another administrator can suspend it.
admin-user-suspend-about = Suspending ends every session of the account, revokes its refresh tokens, stops its access tokens from working, and refuses its sign-ins until it is reinstated.
admin-user-suspend = Suspend { $username }
admin-user-password = Password
admin-user-password-about = Sends the account a link to choose a new password (valid 30 minutes, once); its current password keeps working until then.
admin-user-password-reset = Send a password reset link
# "<kind> from <address>: 3 attempts, locked for 20 s"
admin-user-lockout-from = from
admin-user-lockout-attempts = { $count ->
    [one] 1 attempt
   *[other] { $count } attempts
}
admin-user-lockout-locked-for = locked for { $seconds } s
admin-user-lockout-slowed = slowed down
admin-user-sessions = Sessions
admin-user-no-sessions = No live session.
admin-user-session = Session
admin-user-signed-in = Signed in
admin-user-expires = Expires
admin-user-end-session = End session
admin-user-apps = Allowed apps
admin-user-no-apps = No app allowed.
admin-user-withdraw = Withdraw
admin-user-in-audit = This user in the audit trail
admin-user-reset-refused = No reset link sent
admin-user-reset-throttled = Too many emails went to this account in the last hour. Try again later.
admin-user-reset-nothing = The account has no email address, or it is suspended: no link can be sent.
admin-user-no-self-suspend = You cannot suspend your own account: another administrator can.
admin-user-name-session = Name the session to end.
admin-user-no-such-session = That session is not one of this user's live sessions (it may have ended already).
admin-user-name-app = Name the app to withdraw.
admin-user-app-not-allowed = This user has not allowed that app.

## The apps page
admin-apps-none = No app is registered.
admin-apps-public = public
admin-apps-confidential = confidential
# "by <owner>"
admin-apps-by = by
admin-apps-operator = the operator (no owner)
admin-apps-deleted-owner = a deleted account
admin-apps-mark-verified = verified
admin-apps-mark-unverified = unverified
admin-apps-mark-trusted = trusted
admin-apps-mark-suspended = suspended
admin-apps-verify = Verify
admin-apps-unverify = Unverify
admin-apps-trust = Trust
admin-apps-untrust = Untrust
admin-apps-suspend = Suspend
admin-apps-reinstate = Reinstate
admin-apps-choose-mark = Choose verified, trusted or suspended.
admin-apps-set-or-clear = Say whether to set or clear the mark.
admin-apps-no-such-app = There is no such app.
admin-apps-done-verified = The app is verified: consent pages show the mark.
admin-apps-done-unverified = The app is no longer verified: consent pages say so.
admin-apps-done-trusted = The app is trusted: its users are not asked for consent.
admin-apps-done-untrusted = The app is no longer trusted: its users are asked for consent.
admin-apps-done-suspended = The app is suspended: it is given no tokens, and its tokens stop working.
admin-apps-done-reinstated = The app is reinstated: it is given tokens again.

## The APIs pages
admin-apis-credentials = The API's introspection credentials. Keep the secret now: it is stored only as a hash and cannot be shown again.
# Before ": orders:read orders:write"
admin-apis-scopes = scopes
admin-apis-roles = roles
admin-apis-introspects-as = introspects as
admin-apis-name = Name
admin-apis-add-scopes = Add scopes
admin-apis-remove-scopes = Remove scopes
admin-apis-add-roles = Add roles
admin-apis-remove-roles = Remove roles
admin-apis-delete-ask = Delete…
admin-apis-register-title = Register an API
admin-apis-identifier = Identifier (https URI)
admin-apis-scopes-field = Scopes (space-separated)
admin-apis-roles-field = Roles (space-separated)
admin-apis-introspection = Create introspection credentials
admin-apis-register = Register
admin-apis-no-such-api = There is no such API.
admin-apis-no-such-user = There is no user named "{ $username }".
admin-api-delete-title = Delete an API
admin-api-delete-heading = Delete { $name }?
# "Deleting <identifier> takes its roles…"
admin-api-delete-before = Deleting
admin-api-delete-after = takes its roles from every user and client that has them and deletes its introspection credentials. Its scopes stay in the catalogue. Tokens already issued for it stay valid until they expire.
admin-api-delete = Delete

## The scope catalogue
admin-scopes-title = Scope catalogue
admin-scopes-about = The scopes self-registered apps may ask for, each with the words consent pages show.
admin-scopes-empty = The catalogue is empty.
# "owned by the API <identifier>"
admin-scopes-owned-by = owned by the API
admin-scopes-description = Description
admin-scopes-remove-ask = Remove…
admin-scopes-add-title = Add a scope
admin-scopes-name = Name
admin-scopes-name-hint = (one word: printable ASCII, no space, quote or backslash)
admin-scopes-description-hint = (shown on consent pages, up to { $max } characters)
admin-scopes-add = Add
admin-scopes-no-such-scope = There is no such scope in the catalogue.
admin-scopes-invalid-name = "{ $name }" is not a valid scope (1 to { $max } printable ASCII characters, no space, quote or backslash).
admin-scopes-invalid-description = The description must be 1 to { $max } characters.
admin-scopes-exists = The scope "{ $name }" is in the catalogue already.
admin-scopes-not-found = No scope "{ $name }" in the catalogue.
admin-scopes-done-added = The scope was added to the catalogue.
admin-scopes-done-described = The scope's description was saved.
admin-scopes-done-removed = The scope was removed from the catalogue.
admin-scope-remove-title = Remove a scope
admin-scope-remove-heading = Remove { $name }?
# "The scope <name> (“<description>”) leaves the catalogue…"
admin-scope-remove-before = The scope
admin-scope-remove-after = (“{ $description }”) leaves the catalogue: new self-registered apps can no longer choose it.
admin-scope-remove-apps = { $count ->
    [0] No app is allowed it.
    [one] 1 app is allowed it and keeps it; consent pages show it by its name from now on.
   *[other] { $count } apps are allowed it and keep it; consent pages show it by its name from now on.
}
# "The API <identifier> owns it and stops owning it…"
admin-scope-remove-api-before = The API
admin-scope-remove-api-after = owns it and stops owning it: a token asked for with this scope no longer names that API as its audience.
admin-scope-remove = Remove

## The audit trail
admin-audit-user = User (name or id)
admin-audit-client = Client id
admin-audit-filter = Filter
admin-audit-none = No event matches.
admin-audit-when = When
admin-audit-event = Event
admin-audit-by = By
admin-audit-user-column = User
admin-audit-client-column = Client
admin-audit-address = Address
admin-audit-details = Details
admin-audit-older = Older events
admin-audit-applications = Applications
admin-audit-no-page = That page does not exist.
