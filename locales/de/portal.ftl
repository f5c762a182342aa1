# Das Entwicklerportal: die Liste der Anwendungen, das Anwendungsformular,
# das Löschen, das einmal gezeigte Geheimnis, Logos.

## Die Liste
portal-title-own = Ihre Anwendungen
portal-title-all = Alle Anwendungen
portal-as-administrator = (Administrator)
portal-admin-users = Benutzer und Anmeldesperren
portal-register = Anwendung registrieren
portal-no-apps = Noch keine Anwendung registriert.
portal-public = öffentlich
portal-confidential = vertraulich
portal-trusted = vertrauenswürdig
portal-suspended = gesperrt
portal-verified = geprüft
portal-unverified = nicht geprüft
portal-unverified-not-reviewed = nicht geprüft (ein Administrator hat sie noch nicht begutachtet)

## Was eine Änderung bewirkt hat
portal-done-saved = Ihre Änderungen wurden gespeichert.
portal-done-flags = Die Verwaltungseinstellungen wurden gespeichert.
portal-done-logo = Das Logo wurde hochgeladen.
portal-done-logo-removed = Das Logo wurde entfernt.
portal-done-deleted = Die Anwendung wurde gelöscht.
portal-done-registered = Die Anwendung wurde registriert.

## Das Anwendungsformular
portal-edit-title = Anwendung bearbeiten
portal-client-id = Client-ID:
portal-form-errors = Die Anwendung wurde nicht gespeichert: Korrigieren Sie die unten markierten Felder.
portal-name = Name
portal-description = Beschreibung
portal-homepage = Startseite
portal-optional = (optional)
portal-logo-uri = Logo-URL
portal-logo-uri-hint = (optional; wird für Registrierungs-Clients aufbewahrt, aber nie angezeigt: Laden Sie ein Logo auf der Seite der Anwendung hoch)
portal-redirect-uris = Weiterleitungs-URIs
portal-redirect-uris-hint = (eine pro Zeile; https, oder http auf localhost)
portal-post-logout = Nach dem Abmelden zurück zu
portal-post-logout-hint-before = (optional; eine pro Zeile; die Adressen, die
portal-post-logout-hint-after = nennen darf)
portal-backchannel = URI für die Back-Channel-Abmeldung
portal-backchannel-hint = (optional; Tollgate sendet hierhin ein Abmelde-Token, wenn eine Sitzung endet, an der Ihre Anwendung beteiligt war)
portal-backchannel-session = Das Abmelde-Token muss die Sitzung nennen
portal-type = Typ
portal-type-confidential = Vertraulich (ein Server, der ein Geheimnis bewahrt)
portal-type-public = Öffentlich (Single-Page- oder native App, kein Geheimnis)
portal-auth-method = Wie eine vertrauliche Anwendung sich ausweist
portal-auth-secret = Ein Client-Geheimnis, das einmal angezeigt wird
portal-auth-jwt = Ein mit ihrem eigenen Schlüssel signiertes JWT
portal-auth-jwt-no-secret = es gibt kein Geheimnis
portal-jwks-uri = Wo ihre öffentlichen Schlüssel liegen
portal-jwks-uri-hint = (private_key_jwt; oder fügen Sie sie unten ein)
portal-jwks = Ihre öffentlichen Schlüssel (ein JWK Set)
portal-dpop = Jedes Zugriffstoken wird mit DPoP (RFC 9449) an den Schlüssel der Anwendung gebunden: Eine Token-Anfrage ohne DPoP-Nachweis wird abgelehnt
portal-grant-types = Grant-Typen
portal-grant-authorization-code = Autorisierungscode (mit PKCE)
portal-grant-refresh-token = Refresh-Tokens
portal-grant-client-credentials = Client Credentials (vertrauliche Anwendungen)
portal-grant-device-code = Gerätecode (Fernseher, Kommandozeilenprogramme: Der Benutzer bestätigt auf einem anderen Gerät)
portal-grant-implicit = Implicit
portal-scopes = Berechtigungen
portal-no-scopes = Dieser Server bietet noch keine Berechtigungen an.
portal-save-changes = Änderungen speichern
portal-register-button = Registrieren
portal-back = Zurück zu Ihren Anwendungen
portal-keys-without-private-key-jwt = Öffentliche Schlüssel sind für private_key_jwt: Wählen Sie es, oder lassen Sie sie weg.
portal-keys-public-app = Eine öffentliche Anwendung hat keine Zugangsdaten: private_key_jwt ist für vertrauliche Anwendungen.

## Das Client-Geheimnis
portal-client-secret = Client-Geheimnis
portal-overlap = Das alte Geheimnis wird ungültig
portal-overlap-now = sofort
portal-overlap-hour = in einer Stunde
portal-overlap-day = in einem Tag
portal-rotate = Geheimnis erneuern
portal-rotate-choose-overlap = Wählen Sie, wann das alte Geheimnis ungültig wird.
portal-rotate-public = Eine öffentliche Anwendung hat kein Geheimnis, das erneuert werden könnte.
portal-secret-not-handed-over = Das Geheimnis konnte nicht übergeben werden; erneuern Sie es, um ein neues zu erhalten.

## Das Logo
portal-logo = Logo
portal-logo-alt = Das Logo von { $name }
portal-logo-remove = Logo entfernen
portal-no-logo = Kein Logo hochgeladen. Benutzer sehen es auf der Einwilligungsseite, sobald ein Administrator die Anwendung geprüft hat.
portal-logo-file = PNG oder JPEG, höchstens 100 KB, quadratisch, von 32×32 bis 512×512 Pixel
portal-logo-upload = Logo hochladen
portal-logo-choose-file = Wählen Sie eine Bilddatei zum Hochladen.
portal-logo-too-large = Das Logo darf höchstens 100 KB groß sein.
portal-logo-not-png-or-jpeg = Das Logo muss ein PNG- oder JPEG-Bild sein.
portal-logo-unreadable = Die Datei ist kein lesbares PNG- oder JPEG-Bild.
portal-logo-size = Das Logo muss zwischen 32×32 und 512×512 Pixel groß sein.
portal-logo-not-checked = Das Logo konnte nicht geprüft werden.
portal-logo-none = Diese Anwendung hat kein Logo.
portal-upload-unreadable = Der Upload konnte nicht gelesen werden.
portal-upload-malformed = Der Upload ist fehlerhaft.

## Verwaltung einer Anwendung
portal-administration = Verwaltung
portal-flag-trusted = Vertrauenswürdig (eigene Anwendung: ohne Einwilligung)
portal-flag-suspended = Gesperrt (keine neuen Tokens; ihre Tokens werden ungültig)
portal-flag-verified = Geprüft (begutachtet: Betreiber und Zweck sind bekannt)
portal-organisation = Organisation
portal-organisation-hint = (wird bei der Einwilligung statt des Kontonamens des Entwicklers als Betreiber angezeigt; leer: keine)
portal-access-tokens = Zugriffstokens
portal-token-jwt = JWT (signiert; Ressourcenserver prüfen sie offline)
portal-token-opaque = Opak (eine Referenz; geprüft per Introspection oder vom Gateway)
portal-save = Speichern
portal-flags-token-format = Wählen Sie JWT- oder opake Zugriffstokens.
portal-flags-organisation = Die Organisation darf höchstens 100 Zeichen lang sein und keine Steuerzeichen enthalten.
portal-no-such-application = Diese Anwendung gibt es nicht.

## Löschen
portal-delete = Löschen
portal-delete-about = Das Löschen widerruft alle Tokens und Einwilligungen dieser Anwendung.
portal-delete-link = Diese Anwendung löschen…
portal-delete-title = { $name } löschen
portal-delete-question = { $name } löschen?
portal-delete-warning-before = Das Löschen widerruft alle Tokens und Einwilligungen dieser Anwendung, und ihre Client-ID
portal-delete-warning-after = wird sofort ungültig. Das kann nicht rückgängig gemacht werden.
portal-delete-confirm-before = Geben Sie den Namen der Anwendung
portal-delete-confirm-after = zur Bestätigung ein
portal-delete-wrong-name = Das ist nicht der Name der Anwendung: Nichts wurde gelöscht.
portal-delete-button = Diese Anwendung löschen
portal-delete-keep = Behalten

## Das einmal gezeigte Geheimnis
portal-secret-title = Ihre Client-Zugangsdaten
portal-secret-copy-of = Kopieren Sie das Client-Geheimnis von
portal-secret-label = Client-Geheimnis:
portal-secret-copy-now = Kopieren Sie das Geheimnis jetzt.
portal-secret-warning = Es wird nur als Hash gespeichert und nicht noch einmal angezeigt, auch nicht, wenn Sie diese Seite neu laden. Markieren Sie es und kopieren Sie es (Strg+C oder ⌘C) in die Konfiguration Ihrer Anwendung.
portal-secret-public = Dies ist eine öffentliche Anwendung: Sie hat kein Geheimnis. Verwenden Sie PKCE.
portal-secret-already-shown = Das Geheimnis wurde bereits angezeigt und wird nirgends aufbewahrt, wo es noch einmal angezeigt werden könnte. Falls Sie es nicht kopiert haben, erneuern Sie das Geheimnis, um ein neues zu erhalten.
portal-secret-rotate-now = Geheimnis jetzt erneuern
portal-secret-go-to-app = Zur Anwendung
portal-secret-all-apps = Alle Anwendungen
