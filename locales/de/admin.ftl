# Die Seiten der Administratoren: Übersicht, Benutzer, Anwendungen, APIs,
# Scope-Katalog und Prüfprotokoll.

## Was alle Seiten der Administratoren teilen
admin-title = Verwaltung
admin-users = Benutzer
admin-apps = Anwendungen
admin-scopes = Scopes
admin-apis = APIs
admin-audit = Prüfprotokoll
# Nach „Angemeldet als <Name>“.
admin-as-administrator = (Administrator).
admin-yes = ja
admin-no = nein
admin-none = keine
admin-save = Speichern
admin-keep-it = Behalten
admin-email-verified = (bestätigt)
admin-email-unverified = (nicht bestätigt)
admin-unlock = { $username } entsperren
admin-lockouts = Anmeldesperren
admin-no-lockouts = Keine Sperre oder Verlangsamung in Kraft.
# Was eine Sperre zählt (ein Bezeichner der Drosselung); unbekannte unverändert.
admin-lockout-kind = { $kind ->
    [account] Konto
    [pair] Konto und Adresse
    [client] Client
    [address] Adresse
    [register] Registrierung
   *[other] { $kind }
}

## Die Übersicht
admin-index-users-about = ein Konto finden; es sperren oder wieder freigeben, seine Anmeldesperren aufheben, seine Sitzungen beenden, den Anwendungen, denen es Zugriff erlaubt hat, den Zugriff entziehen
admin-index-apps-about = alle registrierten Anwendungen: prüfen, als vertrauenswürdig einstufen oder sperren
admin-index-scopes-about = der Scope-Katalog: was Anwendungen anfragen dürfen, in den Worten der Zustimmungsseiten
admin-index-apis-about = die APIs, ihre Scopes und Rollen
admin-index-audit-about = wer was geändert hat, und jede Anmeldung

## Die Benutzerliste
admin-users-search-label = Benutzername oder E-Mail-Adresse enthält
admin-users-search = Suchen
admin-users-accounts = Konten
admin-users-none = Kein Konto passt.
admin-users-past-last = { $total ->
    [one] 1 Konto passt; diese Seite liegt hinter der letzten.
   *[other] { $total } Konten passen; diese Seite liegt hinter der letzten.
}
admin-users-range = { $first }–{ $last } von { $total }
admin-users-administrator = Administrator
admin-users-suspended = gesperrt
admin-users-no-email = keine E-Mail-Adresse
admin-users-previous = Vorherige Seite
admin-users-next = Nächste Seite
admin-users-lockout-what = Was
admin-users-lockout-account = Konto
admin-users-lockout-other = Adresse oder Client
admin-users-lockout-attempts = Versuche
admin-users-lockout-locked = Gesperrt
admin-users-lockout-locked-for = für { $seconds } s
admin-users-lockout-slowed = nein (verlangsamt)
admin-users-roles = Rollen
admin-users-roles-apis = APIs und ihre Rollen
admin-users-roles-account = Konto
admin-users-roles-api = API-Bezeichner
admin-users-roles-role = Rolle
admin-users-roles-give = vergeben
admin-users-roles-take = entziehen
admin-users-roles-change = Rolle ändern
admin-users-search-too-long = Suchen Sie nach höchstens { $max } Zeichen, keines davon ein Steuerzeichen.
admin-users-no-page = Diese Seite gibt es nicht: Die Seiten sind ab 1 nummeriert.
admin-users-no-such-user = Diesen Benutzer gibt es nicht.
admin-users-name-account = Geben Sie das Konto an, das entsperrt werden soll.

## Was die Benutzerseiten nach einer Änderung sagen
admin-users-done-unlocked = Die Anmeldesperren des Kontos wurden aufgehoben.
admin-users-done-suspended = Das Konto ist gesperrt: Seine Sitzungen wurden beendet, seine Tokens funktionieren nicht mehr, und es kann sich nicht anmelden.
admin-users-done-reinstated = Das Konto ist wieder freigegeben: Es kann sich wieder anmelden.
admin-users-done-reset-sent = Ein Link zum Zurücksetzen des Passworts wurde an die E-Mail-Adresse des Kontos gesendet (30 Minuten gültig).
admin-users-done-session-ended = Die Sitzung wurde beendet, ihre Refresh-Tokens wurden widerrufen, und ihre Access-Tokens funktionieren nicht mehr.
admin-users-done-withdrawn = Der Zugriff der Anwendung wurde entzogen, ihre Refresh-Tokens wurden widerrufen, und ihre Access-Tokens funktionieren nicht mehr.

## Die Seite eines Benutzers
admin-user-all = Alle Benutzer
admin-user-id = ID
admin-user-email = E-Mail-Adresse
admin-user-admin = Administrator
admin-user-suspended = Gesperrt
# Nach „ja: “.
admin-user-suspended-why = Es kann sich nicht anmelden und erhält keine Tokens
admin-user-created = Erstellt
admin-user-password-changed = Passwort geändert
admin-user-suspension = Sperrung
admin-user-reinstate = { $username } wieder freigeben
admin-user-self = Dies ist Ihr eigenes Konto: Ein anderer Administrator kann es sperren.
admin-user-suspend-about = Das Sperren beendet jede Sitzung des Kontos, widerruft seine Refresh-Tokens, macht seine Access-Tokens unwirksam und verweigert seine Anmeldungen, bis es wieder freigegeben wird.
admin-user-suspend = { $username } sperren
admin-user-password = Passwort
admin-user-password-about = Sendet dem Konto einen Link, mit dem es ein neues Passwort wählen kann (30 Minuten und einmal gültig); sein aktuelles Passwort funktioniert bis dahin weiter.
admin-user-password-reset = Link zum Zurücksetzen des Passworts senden
# „<Art> von <Adresse>: 3 Versuche, gesperrt für 20 s“
admin-user-lockout-from = von
admin-user-lockout-attempts = { $count ->
    [one] 1 Versuch
   *[other] { $count } Versuche
}
admin-user-lockout-locked-for = gesperrt für { $seconds } s
admin-user-lockout-slowed = verlangsamt
admin-user-sessions = Sitzungen
admin-user-no-sessions = Keine aktive Sitzung.
admin-user-session = Sitzung
admin-user-signed-in = Angemeldet
admin-user-expires = Läuft ab
admin-user-end-session = Sitzung beenden
admin-user-apps = Erlaubte Anwendungen
admin-user-no-apps = Keine Anwendung erlaubt.
admin-user-withdraw = Zugriff entziehen
admin-user-in-audit = Dieser Benutzer im Prüfprotokoll
admin-user-reset-refused = Kein Link zum Zurücksetzen gesendet
admin-user-reset-throttled = In der letzten Stunde gingen zu viele E-Mails an dieses Konto. Versuchen Sie es später erneut.
admin-user-reset-nothing = Das Konto hat keine E-Mail-Adresse oder ist gesperrt: Es kann kein Link gesendet werden.
admin-user-no-self-suspend = Sie können Ihr eigenes Konto nicht sperren: Ein anderer Administrator kann es.
admin-user-name-session = Geben Sie die Sitzung an, die beendet werden soll.
admin-user-no-such-session = Diese Sitzung gehört nicht zu den aktiven Sitzungen dieses Benutzers (vielleicht ist sie bereits beendet).
admin-user-name-app = Geben Sie die Anwendung an, der der Zugriff entzogen werden soll.
admin-user-app-not-allowed = Dieser Benutzer hat dieser Anwendung keinen Zugriff erlaubt.

## Die Anwendungsseite
admin-apps-none = Keine Anwendung ist registriert.
admin-apps-public = öffentlich
admin-apps-confidential = vertraulich
# „von <Eigentümer>“
admin-apps-by = von
admin-apps-operator = der Betreiber (kein Eigentümer)
admin-apps-deleted-owner = ein gelöschtes Konto
admin-apps-mark-verified = geprüft
admin-apps-mark-unverified = ungeprüft
admin-apps-mark-trusted = vertrauenswürdig
admin-apps-mark-suspended = gesperrt
admin-apps-verify = Prüfen
admin-apps-unverify = Prüfung zurücknehmen
admin-apps-trust = Vertrauen
admin-apps-untrust = Vertrauen entziehen
admin-apps-suspend = Sperren
admin-apps-reinstate = Wieder freigeben
admin-apps-choose-mark = Wählen Sie geprüft, vertrauenswürdig oder gesperrt.
admin-apps-set-or-clear = Geben Sie an, ob die Markierung gesetzt oder entfernt werden soll.
admin-apps-no-such-app = Diese Anwendung gibt es nicht.
admin-apps-done-verified = Die Anwendung ist geprüft: Die Zustimmungsseiten zeigen die Markierung.
admin-apps-done-unverified = Die Anwendung ist nicht mehr geprüft: Die Zustimmungsseiten weisen darauf hin.
admin-apps-done-trusted = Die Anwendung ist vertrauenswürdig: Wer sie nutzt, wird nicht um Zustimmung gebeten.
admin-apps-done-untrusted = Die Anwendung ist nicht mehr vertrauenswürdig: Wer sie nutzt, wird um Zustimmung gebeten.
admin-apps-done-suspended = Die Anwendung ist gesperrt; sie erhält keine Tokens, und ihre Tokens funktionieren nicht mehr.
admin-apps-done-reinstated = Die Anwendung ist wieder freigegeben und erhält wieder Tokens.

## Die API-Seiten
admin-apis-credentials = Die Introspektions-Zugangsdaten der API. Bewahren Sie das Secret jetzt auf: Es wird nur als Hash gespeichert und kann nicht erneut angezeigt werden.
# Vor „: orders:read orders:write“
admin-apis-scopes = Scopes
admin-apis-roles = Rollen
admin-apis-introspects-as = introspiziert als
admin-apis-name = Name
admin-apis-add-scopes = Scopes hinzufügen
admin-apis-remove-scopes = Scopes entfernen
admin-apis-add-roles = Rollen hinzufügen
admin-apis-remove-roles = Rollen entfernen
admin-apis-delete-ask = Löschen…
admin-apis-register-title = Eine API registrieren
admin-apis-identifier = Bezeichner (https-URI)
admin-apis-scopes-field = Scopes (durch Leerzeichen getrennt)
admin-apis-roles-field = Rollen (durch Leerzeichen getrennt)
admin-apis-introspection = Introspektions-Zugangsdaten erstellen
admin-apis-register = Registrieren
admin-apis-no-such-api = Diese API gibt es nicht.
admin-apis-no-such-user = Es gibt keinen Benutzer namens „{ $username }“.
admin-api-delete-title = Eine API löschen
admin-api-delete-heading = { $name } löschen?
# „Wenn Sie <Bezeichner> löschen, …“
admin-api-delete-before = Wenn Sie
admin-api-delete-after = löschen, werden ihre Rollen allen Benutzern und Clients entzogen, die sie haben, und ihre Introspektions-Zugangsdaten gelöscht. Ihre Scopes bleiben im Katalog. Bereits für sie ausgestellte Tokens bleiben gültig, bis sie ablaufen.
admin-api-delete = Löschen

## Der Scope-Katalog
admin-scopes-title = Scope-Katalog
admin-scopes-about = Die Scopes, die selbst registrierte Anwendungen anfragen dürfen, jeweils mit den Worten, die die Zustimmungsseiten zeigen.
admin-scopes-empty = Der Katalog ist leer.
# „gehört der API <Bezeichner>“
admin-scopes-owned-by = gehört der API
admin-scopes-description = Beschreibung
admin-scopes-remove-ask = Entfernen…
admin-scopes-add-title = Einen Scope hinzufügen
admin-scopes-name = Name
admin-scopes-name-hint = (ein Wort: druckbares ASCII, kein Leerzeichen, Anführungszeichen oder Backslash)
admin-scopes-description-hint = (auf den Zustimmungsseiten gezeigt, bis zu { $max } Zeichen)
admin-scopes-add = Hinzufügen
admin-scopes-no-such-scope = Diesen Scope gibt es im Katalog nicht.
admin-scopes-invalid-name = „{ $name }“ ist kein gültiger Scope (1 bis { $max } druckbare ASCII-Zeichen, kein Leerzeichen, Anführungszeichen oder Backslash).
admin-scopes-invalid-description = Die Beschreibung muss 1 bis { $max } Zeichen lang sein.
admin-scopes-exists = Der Scope „{ $name }“ ist bereits im Katalog.
admin-scopes-not-found = Der Scope „{ $name }“ ist nicht im Katalog.
admin-scopes-done-added = Der Scope wurde dem Katalog hinzugefügt.
admin-scopes-done-described = Die Beschreibung des Scopes wurde gespeichert.
admin-scopes-done-removed = Der Scope wurde aus dem Katalog entfernt.
admin-scope-remove-title = Einen Scope entfernen
admin-scope-remove-heading = { $name } entfernen?
# „Der Scope <Name> („<Beschreibung>“) verlässt den Katalog …“
admin-scope-remove-before = Der Scope
admin-scope-remove-after = („{ $description }“) wird aus dem Katalog entfernt: Neue selbst registrierte Anwendungen können ihn nicht mehr wählen.
admin-scope-remove-apps = { $count ->
    [0] Keine Anwendung hat ihn erlaubt bekommen.
    [one] 1 Anwendung hat ihn erlaubt bekommen und behält ihn; die Zustimmungsseiten zeigen ihn von nun an mit seinem Namen.
   *[other] { $count } Anwendungen haben ihn erlaubt bekommen und behalten ihn; die Zustimmungsseiten zeigen ihn von nun an mit seinem Namen.
}
# „Die API <Bezeichner> besitzt ihn …“
admin-scope-remove-api-before = Die API
admin-scope-remove-api-after = besitzt ihn und verliert ihn: Ein Token, das mit diesem Scope angefragt wird, nennt diese API nicht mehr als seine Zielgruppe (audience).
admin-scope-remove = Entfernen

## Das Prüfprotokoll
admin-audit-user = Benutzer (Name oder ID)
admin-audit-client = Client-ID
admin-audit-filter = Filtern
admin-audit-none = Kein Ereignis passt.
admin-audit-when = Wann
admin-audit-event = Ereignis
admin-audit-by = Von
admin-audit-user-column = Benutzer
admin-audit-client-column = Client
admin-audit-address = Adresse
admin-audit-details = Details
admin-audit-older = Ältere Ereignisse
admin-audit-applications = Anwendungen
admin-audit-no-page = Diese Seite gibt es nicht.
