# E-Mail: was die E-Mails sagen, in der Sprache der Anfrage, die sie ausgelöst hat

mail-hello = Hallo { $username },
mail-ignore-if-not-you = Wenn Sie das waren, ist nichts weiter zu tun.

## Ein Link, der die Adresse bestätigt
mail-verify-subject = Bestätigen Sie Ihre E-Mail-Adresse
mail-verify-open-link = bitte bestätigen Sie, dass diese Adresse zu Ihrem Konto bei { $site } gehört, indem Sie innerhalb von 24 Stunden diesen Link öffnen:
mail-verify-link = Meine E-Mail-Adresse bestätigen
mail-verify-after = Auf der Seite, die sich öffnet, bestätigen Sie noch einmal. Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Nichts ändert sich, solange der Link nicht verwendet wird.

## Ein Link, um ein neues Passwort festzulegen
mail-reset-subject = Setzen Sie Ihr Passwort zurück
mail-reset-open-link = jemand (hoffentlich Sie) hat angefordert, das Passwort Ihres Kontos bei { $site } zurückzusetzen. Um ein neues Passwort zu wählen, öffnen Sie innerhalb von 30 Minuten diesen Link:
mail-reset-link = Neues Passwort wählen
mail-reset-after = Der Link funktioniert nur einmal. Wenn Sie ein neues Passwort festlegen, werden Sie überall abgemeldet. Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.

## Das Passwort wurde geändert
mail-password-changed-subject = Ihr Passwort wurde geändert
mail-password-changed = das Passwort Ihres Kontos bei { $site } wurde soeben geändert, und alle Sitzungen, die mit dem alten Passwort angemeldet waren, wurden beendet.
# Die HTML-E-Mail, um einen Link herum: „Wenn nicht,“ <setzen Sie Ihr Passwort> „sofort zurück und …“
mail-password-changed-if-not = Wenn nicht,
mail-password-changed-reset = setzen Sie Ihr Passwort
mail-password-changed-at-once = sofort zurück und informieren Sie Ihre Administratorin oder Ihren Administrator.
# Die Text-E-Mail, mit der Adresse der Seite.
mail-password-changed-if-not-text = Wenn nicht, setzen Sie Ihr Passwort unter { $page } sofort zurück und informieren Sie Ihre Administratorin oder Ihren Administrator.

## Die Adresse wurde geändert (an die alte gesendet)
mail-email-changed-subject = Ihre E-Mail-Adresse wurde geändert
mail-email-changed-to = die E-Mail-Adresse Ihres Kontos bei { $site } wurde soeben in { $address } geändert. Dies ist die letzte E-Mail, die diese Adresse zu dem Konto erhält.
mail-email-changed-removed = die E-Mail-Adresse Ihres Kontos bei { $site } wurde soeben geändert. Dies ist die letzte E-Mail, die diese Adresse zu dem Konto erhält.
mail-email-changed-if-not = Wenn nicht, melden Sie sich an, stellen Sie Ihre Adresse wieder her, ändern Sie Ihr Passwort und informieren Sie Ihre Administratorin oder Ihren Administrator.
