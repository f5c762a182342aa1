# Die Zustimmungsseiten (die Autorisierungsanfrage eines Browsers, die eines
# Geräts) und die Seiten des Geräte-Ablaufs. Ein Name, den die Seite fett
# oder als Code setzt, steht zwischen den Wörtern zweier Nachrichten (die
# davor, dann der Rest).

## Beide Zustimmungsseiten
consent-title = Zugriff erlauben
consent-heading = Möchten Sie { $client } den Zugriff auf Ihr Konto erlauben?
consent-sent-back-to = Anschließend werden Sie weitergeleitet an
consent-withdraw = Sie können diese Erlaubnis jederzeit auf Ihrer Kontoseite widerrufen.
consent-allow = Erlauben
consent-deny = Ablehnen

## Wer fragt
consent-verified = ✓ Geprüft
consent-verified-why = Ein Administrator dieses Servers hat diese Anwendung geprüft
consent-run-by = Anbieter:
consent-owner-gone = ein Entwickler, dessen Konto nicht mehr existiert
consent-owner-operator = der Betreiber dieses Servers
consent-owner-unknown = jemand, der sie selbst registriert hat (diesem Server unbekannt)
consent-unverified = Ungeprüfte Anwendung.
consent-unverified-why = Kein Administrator dieses Servers hat { $client } geprüft; Name und Angaben hat ihr Entwickler selbst gewählt. Erlauben Sie den Zugriff nur, wenn Sie wissen, wer die Anwendung betreibt.
consent-no-homepage = Keine Website angegeben.

## Worum sie bittet
consent-identity-only = Die Anwendung möchte nur wissen, wer Sie sind.
consent-asks-to = Die Anwendung möchte:
# Die Wörter, mit denen der Scope-Katalog die Standard-Scopes beschreibt.
# Wörter, die ein Betreiber einem Scope gegeben hat, erscheinen unverändert.
consent-scope-openid = Sie anmelden und Ihre Kontokennung erfahren
consent-scope-profile = Ihren Namen und Benutzernamen sehen
consent-scope-email = Ihre E-Mail-Adresse sehen

## Nicht Sie?
consent-not = Nicht
consent-switch-account = Als jemand anderes anmelden

## Die Antwort des Zustimmungsformulars
consent-invalid-request = Diese Anmeldeanfrage ist ungültig
consent-session-ended = Ihre Sitzung ist beendet. Beginnen Sie erneut in der Anwendung.
consent-refused = Anfrage abgelehnt
consent-form-expired = Das Formular ist abgelaufen oder wurde nicht von dieser Website gesendet. Es wurde nichts erlaubt.
consent-request-malformed = Die Autorisierungsanfrage ist fehlerhaft.
consent-no-decision = Es wurde keine Entscheidung gesendet.

## Ein Gerät verbinden
device-title = Gerät verbinden
device-enter-code = Geben Sie den Code ein, den Ihr Gerät anzeigt.
device-code = Code
device-continue = Weiter
device-code-invalid = Dieser Code ist ungültig oder abgelaufen. Vergleichen Sie ihn mit dem Code, den Ihr Gerät anzeigt, und versuchen Sie es erneut; ist er abgelaufen, beginnen Sie erneut auf Ihrem Gerät.
device-too-many-title = Zu viele Versuche
device-too-many = Es wurden zu viele Codes ausprobiert. Bitte warten Sie einige Minuten, bevor Sie es erneut versuchen.
device-consent-heading = Möchten Sie { $client } auf Ihrem Gerät den Zugriff auf Ihr Konto erlauben?
device-consent-warning = Erlauben Sie den Zugriff nur, wenn Sie den Vorgang selbst gestartet haben und der Code mit dem auf Ihrem Gerät übereinstimmt. Niemand von diesem Dienst wird Sie jemals bitten, einen Code einzugeben, den man Ihnen geschickt hat.
device-connected = Gerät verbunden
device-connected-message = Sie haben { $client } den Zugriff auf Ihr Konto erlaubt.
device-denied = Anfrage abgelehnt
device-denied-message = { $client } hat keinen Zugriff auf Ihr Konto erhalten.
device-return = Sie können jetzt zu Ihrem Gerät zurückkehren. Diese Seite können Sie schließen.
device-gone-title = Dieser Code kann nicht mehr verwendet werden
device-gone = Der Code ist abgelaufen oder wurde bereits verwendet. Beginnen Sie erneut auf Ihrem Gerät.

## Warum eine Autorisierungsanfrage nicht fortgesetzt werden kann (nichts geht an die Anwendung zurück)
authorize-no-client = Die Anfrage nennt keine Anwendung (client_id fehlt).
authorize-unregistered = Die Anwendung, die Sie hierher geschickt hat, ist nicht registriert.
# $rule: die verletzte Regel, auf Englisch.
authorize-document-refused = Das Client-Metadatendokument der Anwendung wurde abgelehnt: { $rule }.
authorize-redirect-unregistered = Die Rücksprungadresse in der Anfrage ist für diese Anwendung nicht registriert.
authorize-no-redirect = Die Anfrage nennt keine Rücksprungadresse, und die Anwendung hat keine oder mehrere registriert.
authorize-suspended = Diese Anwendung ist gesperrt.
authorize-pushed-gone = Diese Anmeldeanfrage ist abgelaufen oder wurde bereits verwendet. Beginnen Sie erneut in der Anwendung.
