# Die Kontoseiten: das Profil, die erlaubten Anwendungen, die Sitzungen,
# das Passwort und das Löschen des Kontos. Ein Name, den die Seite fett oder
# als Link setzt, steht zwischen den Wörtern zweier Nachrichten.

## Die Kontoseite
account-title = Ihr Konto
account-profile = Ihr Profil
account-profile-saved = Ihr Profil wurde gespeichert.
account-profile-not-saved = Ihr Profil wurde nicht gespeichert: Korrigieren Sie die unten markierten Felder.
account-full-name = Vollständiger Name
account-given-name = Vorname
account-family-name = Nachname
account-optional = (optional)
account-email = E-Mail-Adresse
account-email-verified = (bestätigt)
account-email-not-verified = (nicht bestätigt)
account-email-about = Anwendungen, denen Sie erlauben, Ihre E-Mail-Adresse zu sehen, erfahren auch, ob sie bestätigt ist; eine neue Adresse ist noch nicht bestätigt.
account-email-taken = Diese E-Mail-Adresse wird bereits von einem anderen Konto verwendet.
account-save-profile = Profil speichern
account-verification-sent = Wir haben einen Bestätigungslink an Ihre Adresse gesendet.
account-send-again = Erneut senden

## Erlaubte Anwendungen
account-apps = Anwendungen, denen Sie Zugriff erlaubt haben
account-no-apps = Sie haben noch keiner Anwendung Zugriff erlaubt.
account-app-identity = Ihre Identität
account-withdraw = Widerrufen
account-withdraw-label = Zugriff für { $app } widerrufen
account-no-app-named = Es wurde keine Anwendung angegeben.

## Sitzungen
account-sessions = Wo Sie angemeldet sind
account-sessions-ended = Diese Sitzungen sind abgemeldet.
account-this-browser = dieser Browser
account-session-facts = Von { $address } · angemeldet: { $signed_in } · zuletzt verwendet: { $last_used }
account-session-unknown = unbekannt
account-session-sign-out-label = { $browser } von { $address } abmelden
account-sign-out-others = Alle anderen Sitzungen abmelden
account-no-session-named = Es wurde keine Sitzung angegeben.
account-no-such-session = Eine solche Sitzung haben Sie nicht: Es wurde nichts abgemeldet.
# Die Kurzbeschreibung eines Browsers: „Firefox unter Linux“. Browser- und
# Systemnamen werden nicht übersetzt.
account-browser-on = { $browser } unter { $system }
account-a-browser-on = Ein Browser unter { $system }
account-unknown-browser = Unbekannter Browser

## Das Passwort
account-change-password = Passwort ändern
account-change-password-title = Ihr Passwort ändern
account-password-changed = Ihr Passwort wurde geändert.
account-current-password = Aktuelles Passwort
account-new-password = Neues Passwort
account-password-minimum = (mindestens 8 Zeichen)
account-new-password-again = Neues Passwort wiederholen
account-sign-out-my-others = Meine anderen Sitzungen abmelden
account-back = Zurück zu Ihrem Konto
account-enter-current-password = Geben Sie Ihr aktuelles Passwort ein.
account-passwords-differ = Das neue Passwort und seine Wiederholung stimmen nicht überein.
account-password-length = Ein Passwort muss { $min } bis { $max } Zeichen lang sein.
account-password-incorrect = Ihr aktuelles Passwort ist falsch.
account-password-not-changed = Ihr Passwort wurde nicht geändert
account-password-not-stored = Das neue Passwort konnte nicht gespeichert werden. Bitte versuchen Sie es erneut.
account-throttled = { $seconds ->
    [one] Zu viele falsche Passwörter. Versuchen Sie es in 1 Sekunde erneut.
   *[other] Zu viele falsche Passwörter. Versuchen Sie es in { $seconds } Sekunden erneut.
}

## Das Konto löschen
account-delete-title = Ihr Konto löschen
account-delete-link = Mein Konto löschen …
account-owns-apps-before = Ihnen gehören diese registrierten Anwendungen. Andere Personen melden sich möglicherweise über sie an. Löschen Sie sie deshalb zuerst im
account-owns-apps-portal = Entwicklerportal
account-owns-apps-after = oder bitten Sie einen Administrator, sie zu übernehmen:
account-delete-consequences = Dadurch werden Sie überall abgemeldet, allen Anwendungen wird der Zugriff auf Ihr Konto entzogen, und Ihr Konto und Ihr Profil werden gelöscht. Das lässt sich nicht rückgängig machen.
account-delete-confirm-before = Geben Sie zur Bestätigung Ihren Benutzernamen,
account-delete-confirm-after = , ein
account-delete = Mein Konto löschen
account-keep = Mein Konto behalten
account-delete-wrong-username = Der eingegebene Benutzername ist nicht der dieses Kontos: Es wurde nichts gelöscht.
account-delete-password-incorrect = Ihr aktuelles Passwort ist falsch: Es wurde nichts gelöscht.
account-delete-owns-apps = Ihr Konto wurde nicht gelöscht: Ihnen gehören registrierte Anwendungen.
account-delete-last-admin = Ihr Konto wurde nicht gelöscht: Sie sind der letzte Administrator. Machen Sie zuerst jemand anderen zum Administrator.
account-deleted = Ihr Konto wurde gelöscht
account-deleted-message = Sie sind überall abgemeldet, und Anwendungen können Ihr Konto nicht mehr verwenden.
