# Das Layout, die Kopfzeile und die Seiten, die alle Teile von Tollgate teilen.

brand = Tollgate

## Die Kopfzeile
nav-main = Hauptmenü
nav-account = Konto
nav-portal = Entwicklerportal
nav-admin = Verwaltung
nav-signed-in-as = Angemeldet als
sign-in = Anmelden
sign-up = Registrieren
sign-out = Abmelden

## Startseite
home-title = Start
home-welcome = Willkommen, { $username }
home-account = Ihr Konto
home-account-about = Ihr Profil und die Anwendungen, denen Sie Zugriff erlaubt haben.
home-portal = Entwicklerportal
home-portal-about = Anwendungen registrieren und ihre Zugangsdaten verwalten.
home-admin = Verwaltung
home-admin-about = Benutzer, Anwendungen, APIs und das Prüfprotokoll.

## Fehlerseiten
error-close = Sie können diese Seite schließen und zur Anwendung zurückkehren.
error-bad-request = Diese Anfrage kann nicht bearbeitet werden
error-not-found = Nicht gefunden
error-not-found-page = Unter dieser Adresse gibt es keine Seite.
error-not-allowed = Nicht erlaubt
error-not-allowed-method = Diese Seite nimmt diese Art von Anfrage nicht an.
error-change-refused = Änderung abgelehnt
error-form-expired = Das Formular ist abgelaufen oder wurde nicht von dieser Website gesendet. Es wurde nichts geändert.
error-unavailable = Vorübergehend nicht verfügbar
error-unavailable-message = Der Dienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es gleich noch einmal.
error-busy = Gerade melden sich viele an
error-busy-message = Gerade melden sich sehr viele Menschen an. Bitte warten Sie einen Moment und versuchen Sie es erneut.
form-not-a-form = Das Formular wurde nicht als Formular gesendet.
form-too-large-title = Zu groß
form-too-large = Das Formular ist zu groß.
form-unreadable = Das Formular konnte nicht gelesen werden.
form-too-slow-title = Zu langsam
form-too-slow = Das Formular ist nicht rechtzeitig angekommen.
form-malformed = Das Formular ist fehlerhaft: { $why }.
request-malformed = Die Anfrage ist fehlerhaft: { $why }.

## Eine Anwendung, die kein Administrator geprüft hat und deren Anfrage scheiterte
unverified-error-title = Diese Anmeldeanfrage kann nicht fortgesetzt werden
unverified-error-failed = Die Anfrage von { $client } konnte nicht abgeschlossen werden.
unverified-error-why = { $client } ist eine Anwendung, die kein Administrator dieses Servers geprüft hat. Deshalb werden Sie nicht automatisch zu ihr zurückgeleitet. Fahren Sie nur fort, wenn Sie ihr vertrauen.
unverified-error-return = Zurück zu { $client }

## Anmeldeseite
login-username = Benutzername
login-password = Passwort
login-new-here = Neu hier?
login-create-account = Konto erstellen
login-forgot = Passwort vergessen?
login-incorrect = Benutzername oder Passwort ist falsch.
login-throttled = { $seconds ->
    [one] Zu viele Fehlversuche. Versuchen Sie es in 1 Sekunde erneut.
   *[other] Zu viele Fehlversuche. Versuchen Sie es in { $seconds } Sekunden erneut.
}
login-form-expired = Das Formular ist abgelaufen oder wurde nicht von dieser Seite gesendet. Bitte versuchen Sie es erneut.
login-enter-both = Geben Sie Ihren Benutzernamen und Ihr Passwort ein.
