# Die Regeln, gegen die ein Formularfeld verstoßen kann, wie eine Seite sie
# nennt. Die JSON-Schnittstellen und die Kommandozeile sagen dasselbe auf
# Englisch.

## Text, den Benutzer sehen (Name und Beschreibung einer Anwendung, Name einer API)
rule-text-length = { $what ->
    [name] Der Name
    [description] Die Beschreibung
    [api-name] Der Name der API
   *[other] Der Text
} muss { $least } bis { $max } Zeichen lang sein.
rule-text-invisible = { $what ->
    [name] Der Name
    [description] Die Beschreibung
    [api-name] Der Name der API
   *[other] Der Text
} darf keine unsichtbaren Zeichen oder Steuerzeichen enthalten (gefunden: { $code }).

## Konten und Profile
rule-username = Ein Benutzername besteht aus 1 bis 64 Zeichen: Buchstaben, Ziffern und . _ - @
rule-password-length = Ein Passwort muss { $min } bis { $max } Zeichen lang sein.
rule-email-empty = Geben Sie eine E-Mail-Adresse ein.
rule-email-required = Geben Sie Ihre E-Mail-Adresse ein.
rule-email-too-long = Eine E-Mail-Adresse ist höchstens { $max } Bytes lang.
rule-email-spaces = Eine E-Mail-Adresse enthält keine Leerzeichen oder Steuerzeichen (gefunden: { $code }).
rule-email-one-at = Eine E-Mail-Adresse enthält genau ein @, wie in name@example.com.
rule-email-no-local-part = Eine E-Mail-Adresse braucht einen Namen vor dem @.
rule-email-local-part-too-long = Der Teil einer E-Mail-Adresse vor dem @ ist höchstens { $max } Bytes lang.
rule-email-character = Das Zeichen { $character } darf in einer E-Mail-Adresse nicht vorkommen.
rule-email-dots = Punkte stehen in einer E-Mail-Adresse zwischen anderen Zeichen, nie mehrere hintereinander.
rule-email-domain = Der Teil einer E-Mail-Adresse nach dem @ muss eine Domain wie example.com sein (Buchstaben, Ziffern und Bindestriche; eine internationale Domain in ihrer Schreibweise mit xn--).
rule-email-verified-without-address = Es gibt keine E-Mail-Adresse, die als bestätigt markiert werden könnte.
rule-name-too-long = Ein Name ist höchstens { $max } Zeichen lang.
rule-name-invisible = Ein Name darf keine unsichtbaren Zeichen oder Steuerzeichen enthalten (gefunden: { $code }).

## Berechtigungen (Scopes) und Grant-Typen
rule-scope = { $scope } ist keine gültige Berechtigung (1 bis { $max } druckbare ASCII-Zeichen, ohne Leerzeichen, Anführungszeichen und Backslash).
rule-scope-description-length = Die Beschreibung muss 1 bis { $max } Zeichen lang sein.
rule-scope-not-offered = { $scope } ist keine Berechtigung, die dieser Server anbietet.
rule-grant-type-unknown = Unbekannter Grant-Typ { $grant }.
rule-grant-types-none = Wählen Sie mindestens einen Grant-Typ.
rule-public-client-credentials = Eine öffentliche Anwendung kann client_credentials nicht verwenden: Sie hat kein Geheimnis, mit dem sie sich ausweisen könnte.
rule-password-grant-untrusted = Der Passwort-Grant ist nur für vertrauenswürdige (eigene) Anwendungen.
rule-password-grant-self-service = Der Passwort-Grant steht selbst registrierten Anwendungen nicht zur Verfügung.
rule-client-credentials-self-service = Client Credentials stehen selbst registrierten Anwendungen auf diesem Server nicht zur Verfügung.
rule-implicit-disabled = Der Implicit-Grant ist auf diesem Server nicht aktiviert.
rule-trusted-admin-only = Nur ein Administrator kann eine Anwendung als vertrauenswürdig markieren.

## Weiterleitungs-URIs
rule-redirect-uri-length = Eine Weiterleitungs-URI muss 1 bis { $max } Zeichen lang sein.
rule-redirect-uri-spaces = Eine Weiterleitungs-URI darf keine Leerzeichen oder Steuerzeichen enthalten.
rule-redirect-uri-wildcard = Eine Weiterleitungs-URI darf keinen Platzhalter (*) enthalten.
rule-redirect-uri-fragment = Eine Weiterleitungs-URI darf kein Fragment (#) enthalten.
rule-redirect-uri-absolute = { $uri } ist keine absolute URI ({ $why }).
rule-redirect-uri-user-information = Eine Weiterleitungs-URI darf keine Benutzerinformationen enthalten.
rule-redirect-uri-host = Eine Weiterleitungs-URI muss einen Host nennen.
rule-redirect-uri-http = Eine Weiterleitungs-URI muss https verwenden (http ist nur auf Loopback-Hosts erlaubt).
rule-redirect-uri-scheme = Eine Weiterleitungs-URI muss https verwenden, nicht { $scheme }.
rule-redirect-uri-needed = Die Grant-Typen authorization_code und implicit brauchen mindestens eine Weiterleitungs-URI.
rule-redirect-uris-too-many = Höchstens { $max } Weiterleitungs-URIs.
rule-post-logout-redirect-uris-too-many = Höchstens { $max } Weiterleitungs-URIs nach dem Abmelden.

## Andere Adressen (Startseite, Logo, Back-Channel-Abmeldung, Ressourcen)
rule-web-uri-ascii = Muss aus druckbaren ASCII-Zeichen bestehen (andere Zeichen prozentkodiert).
rule-web-uri-absolute = Muss eine absolute https-URL sein.
rule-web-uri-https = Muss eine https-URL mit höchstens 2000 Zeichen sein.
rule-backchannel-uri = Muss eine absolute https-URL mit höchstens 2000 druckbaren ASCII-Zeichen sein.
rule-uri-fragment = Darf kein Fragment (#) enthalten.
rule-uri-user-information = Darf keine Benutzerinformationen enthalten.
rule-uri-host = Muss einen Host nennen.
rule-uri-https = Muss https verwenden (http ist nur auf Loopback-Hosts erlaubt).
rule-resource = { $resource } ist keine absolute URI ohne Fragment.

## OpenID-Connect-Einstellungen
rule-sector-identifier-uri = Wird nicht unterstützt: Der Sektor einer pairwise-Anwendung ist der Host ihrer Weiterleitungs-URIs.
rule-subject-type = { $subject_type } wird nicht unterstützt; verwenden Sie public oder pairwise.
rule-subject-type-kept = Bleibt nach der Registrierung { $subject_type }: Die Kennungen der Benutzer der Anwendung hängen davon ab.
rule-default-max-age = Muss eine Anzahl Sekunden sein, 0 oder mehr.
rule-signing-alg = { $alg } wird nicht unterstützt; verwenden Sie RS256, ES256 oder EdDSA.
rule-signing-alg-no-key = Dieser Server hat keinen { $alg }-Schlüssel; er signiert mit { $published }.
rule-pairwise-loopback = Eine pairwise-Anwendung braucht Weiterleitungs-URIs auf einem eigenen Host: Loopback-Adressen teilen sich alle nativen Apps.
rule-pairwise-no-redirect-uri = Eine pairwise-Anwendung braucht Weiterleitungs-URIs: Deren Host ist ihr Sektor.
rule-pairwise-one-host = Die Weiterleitungs-URIs einer pairwise-Anwendung müssen denselben Host haben (sector_identifier_uri wird nicht unterstützt).
rule-pairwise-sector-kept = Die Weiterleitungs-URIs einer pairwise-Anwendung müssen auf { $sector } bleiben: Die Kennungen der Benutzer der Anwendung hängen davon ab.

## APIs (Ressourcenserver) und ihre Rollen
rule-api-identifier = { $identifier } ist keine gültige API-Kennung (eine absolute https-URI ohne Fragment; http nur auf Loopback)
rule-api-role = { $role } ist kein gültiger Rollenname (1 bis { $max } druckbare ASCII-Zeichen, ohne Leerzeichen, Anführungszeichen oder Backslash)
rule-api-exists = eine API mit der Kennung { $identifier } gibt es bereits
rule-api-unknown = keine API mit der Kennung { $identifier }
rule-api-scope-taken = der Scope { $scope } gehört einer anderen API
rule-api-too-many-roles = eine API legt höchstens { $max } Rollen fest
rule-api-no-such-role = die API { $identifier } legt keine Rolle { $role } fest
rule-api-too-many-held-roles = ein Benutzer oder Client hat höchstens { $max } Rollen einer API
