# Anmelden: Registrierung, Abmelden, Passwort zurücksetzen, E-Mail-Bestätigung

## Gemeinsam für diese Seiten
sign-in-form-expired = Das Formular ist abgelaufen. Bitte versuchen Sie es erneut.
sign-in-passwords-differ = Die beiden Passwörter stimmen nicht überein.
sign-in-password-hint = (mindestens 8 Zeichen)
sign-in-email = E-Mail-Adresse

## Registrierung
signup-title = Entwicklerkonto erstellen
signup-errors = Es wurde kein Konto erstellt: Bitte korrigieren Sie die unten markierten Felder.
signup-username = Benutzername
signup-name = Ihr Name
signup-optional = (optional)
signup-password = Passwort
signup-password-again = Passwort wiederholen
signup-create = Konto erstellen
signup-have-account = Sie haben schon ein Konto?
signup-throttled = { $seconds ->
    [one] Von Ihrer Adresse aus wurden zu viele Konten erstellt. Versuchen Sie es in 1 Sekunde erneut.
   *[other] Von Ihrer Adresse aus wurden zu viele Konten erstellt. Versuchen Sie es in { $seconds } Sekunden erneut.
}
signup-username-taken = Dieser Benutzername ist bereits vergeben.
signup-email-taken = Diese E-Mail-Adresse wird bereits von einem anderen Konto verwendet.

## Abmelden
signout-question = Von { brand } abmelden?
# Nach dem Namen der Anwendung, fett gedruckt.
signout-client-asks = bittet darum, Sie abzumelden.
signout-every-application = Damit endet Ihre Sitzung für alle Anwendungen.
signout-other-account = Die Anwendung hat ein anderes Konto oder eine andere Sitzung genannt als die hier angemeldete. Melden Sie sich nur ab, wenn Sie diese Sitzung beenden möchten.
signout-refused = Abmelden abgelehnt
signout-done-title = Abgemeldet
signout-done = Sie sind abgemeldet
signout-session-ended = Ihre Sitzung wurde beendet.
signout-return = Zurück zu { $client }
signout-sign-in-again = Erneut anmelden

## Passwort vergessen
password-forgot-title = Passwort vergessen?
password-forgot-sent = Wenn ein Konto diese Adresse als bestätigte E-Mail-Adresse hat, haben wir ihm einen Link geschickt, mit dem Sie ein neues Passwort wählen können. Der Link ist 30 Minuten lang gültig. Nichts angekommen? Sehen Sie in Ihrem Spam-Ordner nach oder fragen Sie später erneut an.
password-forgot-intro = Geben Sie die E-Mail-Adresse Ihres Kontos ein, und wir senden Ihnen einen Link, mit dem Sie ein neues Passwort wählen können.
password-forgot-send = Link senden
password-forgot-back = Zurück zur Anmeldung
password-forgot-enter-email = Geben Sie die E-Mail-Adresse Ihres Kontos ein.

## Ein neues Passwort wählen
password-reset-title = Neues Passwort wählen
password-reset-done-title = Ihr Passwort wurde geändert
password-reset-done = Alle Sitzungen Ihres Kontos wurden abgemeldet. Melden Sie sich mit Ihrem neuen Passwort an.
# Vor dem Namen des Kontos, fett gedruckt.
password-reset-for-account = Für das Konto
password-reset-signs-out = Wenn Sie es festlegen, werden Sie überall abgemeldet.
password-reset-new = Neues Passwort
password-reset-new-again = Neues Passwort wiederholen
password-reset-set = Neues Passwort festlegen
password-reset-link-refused = Dieser Link zum Zurücksetzen funktioniert nicht
password-reset-ask-again = Neuen Link anfordern

## Eine E-Mail-Adresse bestätigen
email-verify-title = E-Mail-Adresse bestätigen
email-verify-done-title = E-Mail-Adresse
email-verify-go-to-account = Zu Ihrem Konto
# Um die Adresse herum, fett gedruckt: „Bestätigen Sie, dass“ <Adresse> „Ihre Adresse ist.“
email-verify-confirm-that = Bestätigen Sie, dass
email-verify-is-yours = Ihre Adresse ist.
email-verify-confirm = Meine Adresse bestätigen
email-verify-verified = Ihre E-Mail-Adresse ist bestätigt. Vielen Dank.
email-verify-sent = Wir haben einen neuen Bestätigungslink an Ihre E-Mail-Adresse gesendet. Er ist 24 Stunden lang gültig.
email-verify-link-refused = Dieser Bestätigungslink funktioniert nicht
email-verify-ask-in-account = Fordern Sie in Ihrem Konto einen neuen Link an
email-verify-sign-in-to-ask = Melden Sie sich an, um einen neuen Link anzufordern
email-verify-too-many-title = Zu viele E-Mails
email-verify-too-many = { $minutes ->
    [one] Für dieses Konto wurden zu viele Bestätigungs-E-Mails gesendet. Versuchen Sie es in 1 Minute erneut.
   *[other] Für dieses Konto wurden zu viele Bestätigungs-E-Mails gesendet. Versuchen Sie es in { $minutes } Minuten erneut.
}

## Warum ein Link aus einer E-Mail nicht funktioniert
email-link-unknown = Dieser Link ist ungültig: Er wurde vielleicht falsch eingegeben, oder eine neuere E-Mail hat ihn ersetzt.
email-link-used = Dieser Link wurde bereits verwendet: Jeder Link funktioniert nur einmal.
email-link-expired-verify = Dieser Link ist abgelaufen: Ein Bestätigungslink ist 24 Stunden lang gültig.
email-link-expired-reset = Dieser Link ist abgelaufen: Ein Link zum Zurücksetzen ist 30 Minuten lang gültig.
email-link-address-changed = Die E-Mail-Adresse des Kontos hat sich geändert, seit dieser Link gesendet wurde. Er funktioniert daher nicht mehr.
email-link-suspended = Dieses Konto ist gesperrt: Sein Passwort kann nicht zurückgesetzt werden.
email-link-wrong-user = Dieser Link gehört zu einem anderen Konto als dem, das hier angemeldet ist. Melden Sie sich ab und öffnen Sie den Link dann erneut.

## Warum eine Abmeldeanfrage abgelehnt wird
signout-hint-not-ours = Der id_token_hint ist kein ID-Token, das dieser Server ausgestellt hat.
signout-hint-of-another-client = Der id_token_hint wurde für eine andere Anwendung ausgestellt als die, die client_id nennt.
signout-no-such-client = Diese Anwendung gibt es nicht.
signout-state-too-long = Der Parameter state ist zu lang.
signout-redirect-unregistered = Die Adresse, zu der nach dem Abmelden zurückgekehrt werden soll, ist für diese Anwendung nicht registriert.
