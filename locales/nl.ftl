# Nederlandse teksten van het portaal (Project Fluent). Elk bericht staat ook in en.ftl.


## site

site-menu = Menu
site-name = Privacyportaal
site-skip = Direct naar de inhoud
site-language = Taal
site-footer = Dit portaal draait op de eigen servers van de organisatie. Het plaatst geen trackingcookies.

## landing

landing-signed_out = U bent afgemeld.
landing-sign_in = Meld u aan om uw gegevens te zien
landing-title = Uw gegevens, uw rechten
landing-intro = Bekijk welke gegevens de organisaties hieronder over u hebben, waarom, op welke grondslag, hoe lang en wie ze heeft ontvangen — en oefen hier uw rechten uit, zonder een e-mail te hoeven schrijven.
landing-who_title = Wie is verantwoordelijk voor uw gegevens
landing-who_intro = Deze rechtspersonen bepalen wat er met uw persoonsgegevens gebeurt (zij zijn de verwerkingsverantwoordelijken). Elk is verantwoordelijk voor de eigen verwerkingen.
landing-trade_name = Handelend onder de naam
landing-address = Adres
landing-contact = Contact
landing-dpo = Functionaris gegevensbescherming
landing-authority = Toezichthouder
landing-authority_intro = Bent u niet tevreden over hoe met uw gegevens wordt omgegaan, dan kunt u een klacht indienen bij
landing-notice = Privacyverklaring
landing-version = versie
landing-rights_title = Uw rechten
landing-right_access = Uw gegevens inzien en een kopie krijgen (art. 15).
landing-right_rectification = Onjuiste gegevens laten corrigeren of een verklaring toevoegen aan onvolledige gegevens (art. 16).
landing-right_erasure = Uw gegevens laten wissen, behalve wat de wet ons verplicht te bewaren (art. 17).
landing-right_restriction = De verwerking laten beperken zolang een geschil loopt (art. 18).
landing-right_portability = De gegevens die u zelf verstrekte meenemen in een machineleesbare vorm (art. 20).
landing-right_objection = Bezwaar maken tegen verwerking op grond van een gerechtvaardigd belang, en altijd tegen direct marketing (art. 21).
landing-right_withdrawal = Uw toestemming net zo gemakkelijk intrekken als u die gaf (art. 7 lid 3).
landing-right_complaint = Een klacht indienen bij de toezichthouder (art. 77).
landing-free = Het uitoefenen van uw rechten is kosteloos. Wij vragen nooit om een kopie van uw identiteitsbewijs.

## error

error-title = Er ging iets mis
error-not_found_title = Pagina niet gevonden
error-not_found_text = Op dit adres staat geen pagina. Controleer het adres of ga terug naar de startpagina.
error-home = Naar de startpagina

## nav

nav-dashboard = Uw gegevens
nav-account = Account
nav-sign_in = Aanmelden
nav-sign_out = Afmelden

## role

role-customer_contact = Contactpersoon van een klant
role-service_user = Gebruiker van een dienst
role-job_applicant = Sollicitant
role-website_visitor = Bezoeker van de website

## sign_in

sign_in-title = Aanmelden
sign_in-reauth = Meld u voor uw veiligheid opnieuw aan om verder te gaan.
sign_in-email_title = Met een code per e-mail
sign_in-email_intro = Vul het e-mailadres in waaronder de organisatie u kent. Als wij het kennen, sturen wij er een eenmalige code naartoe.
sign_in-email_label = E-mailadres
sign_in-send_code = Stuur mij een code
sign_in-oidc_title = Of met uw account
sign_in-privacy = Wij gebruiken uw adres alleen om de code te sturen. U hebt geen wachtwoord nodig.
sign_in-error_empty = Vul uw e-mailadres in.
sign_in-error_too_long = Een e-mailadres heeft hoogstens 254 tekens.
sign_in-error_invalid = Vul een e-mailadres in zoals naam@voorbeeld.nl.
sign_in-error_rate_limited = Er zijn te veel codes aangevraagd. Wacht een paar minuten en probeer het opnieuw.

## code

code-title = Vul uw code in
code-sent = Als wij dit adres kennen, is er een code naar onderweg.
code-valid_for = De code is
code-minutes = minuten geldig en werkt één keer.
code-label = Code uit de e-mail
code-submit = Aanmelden
code-new_code = Geen e-mail ontvangen? Vraag een nieuwe code aan
code-tries_left = Pogingen over:
code-error_empty = Vul de code uit de e-mail in.
code-error_digits = De code bestaat alleen uit cijfers, zonder spaties.
code-error_length = De code heeft 6 cijfers.
code-error_wrong = Die code klopt niet.
code-error_dead = Deze code is verlopen, al gebruikt of te vaak verkeerd ingevuld. Vraag een nieuwe code aan.
code-error_rate_limited = Er zijn vanaf hier te veel codes ingevuld. Wacht een paar minuten en probeer het opnieuw.

## second_factor

second_factor-title = Authenticator-app
second_factor-intro = Open uw authenticator-app en vul de code van 6 cijfers in die hij voor het privacyportaal toont.
second_factor-label = Code uit uw app, of een herstelcode
second_factor-submit = Verder
second_factor-recovery_hint = Telefoon kwijt? Vul dan een van uw herstelcodes in.
second_factor-error_format = Vul de 6 cijfers uit uw app in, of een herstelcode zoals ABCD-EFGH.
second_factor-error_wrong = Die code klopt niet, of is al gebruikt.
second_factor-error_rate_limited = Te veel verkeerde codes. Wacht tot uw app de volgende code toont.

## oidc

oidc-unavailable_title = Aanmeldpartij niet bereikbaar
oidc-unavailable_text = De aanmeldpartij is nu niet bereikbaar. Probeer het later opnieuw, of meld u aan met een code per e-mail.
oidc-cancelled_title = Aanmelden afgebroken
oidc-cancelled_text = Het aanmelden is bij de aanmeldpartij afgebroken of geweigerd. U kunt het opnieuw proberen, of u aanmelden met een code per e-mail.
oidc-failed_title = Aanmelden is niet gelukt
oidc-failed_text = Deze aanmelding kon niet worden gecontroleerd: hij is verlopen, al gebruikt of in een andere browser begonnen. Begin opnieuw.
oidc-no_data_title = Geen gegevens onder dit account
oidc-no_data_text = Wij hebben geen gegevens onder het account waarmee u zich aanmeldde. Kent de organisatie u onder een e-mailadres, meld u dan aan met een code naar dat adres.
oidc-try_email = Aanmelden met een code per e-mail

## dashboard

dashboard-title = Uw gegevens
dashboard-greeting = Welkom,
dashboard-intro = Deze organisaties van de groep hebben gegevens over u, in de rollen hieronder.
dashboard-nothing = Geen van de organisaties heeft gegevens over u.
dashboard-since = sinds
dashboard-reference = kenmerk

## account

account-title = Uw account
account-address_title = Geregistreerd e-mailadres
account-authenticator_title = Authenticator-app
account-authenticator_on = Aan: bij het aanmelden wordt om een code uit uw app gevraagd.
account-authenticator_off = Uit. Voeg een authenticator-app toe voor extra bescherming.
account-recovery_left = Herstelcodes over:
account-authenticator_manage = Authenticator-app beheren
account-sessions_title = Waar u bent aangemeld
account-browser = Browser
account-method = Aangemeld met
account-method_email = Code per e-mail
account-method_oidc = Aanmeldpartij
account-started = Aangemeld op
account-last_seen = Laatst actief
account-actions = Acties
account-this_session = deze browser
account-end = Afmelden
account-end_others = Alle andere sessies afmelden
account-sign_out_everywhere = Overal afmelden

## authenticator

authenticator-title = Authenticator-app
authenticator-intro = Een authenticator-app (zoals Aegis, FreeOTP of Google Authenticator) voegt een tweede stap toe aan het aanmelden: na de code per e-mail vraagt het portaal om een code van uw telefoon.
authenticator-start = Authenticator-app instellen
authenticator-step_scan = Scan deze QR-code met uw app.
authenticator-qr_alt = QR-code om het privacyportaal aan uw authenticator-app toe te voegen
authenticator-manual = Lukt scannen niet? Vul deze sleutel in:
authenticator-open_app = Openen in een authenticator-app op dit apparaat
authenticator-step_confirm = Vul de code van 6 cijfers in die uw app nu toont, om te bevestigen dat het werkt.
authenticator-code_label = Code uit uw app
authenticator-confirm = Bevestigen
authenticator-error_code = Die code klopt niet. Controleer de tijd op uw telefoon en vul de nieuwste code in.
authenticator-enrolled = Er is een authenticator-app ingesteld: na de code per e-mail wordt om de code uit de app gevraagd.
authenticator-remove = Authenticator-app verwijderen
authenticator-remove_note = Verwijderen vraagt om een aanmelding van de laatste 10 minuten.

## recovery

recovery-title = Uw herstelcodes
recovery-intro = Bewaar deze codes op een veilige plek. Elke code werkt één keer, in plaats van een code uit uw app, als u uw telefoon kwijtraakt. Ze worden alleen nu getoond.
recovery-done = Ik heb ze bewaard
dashboard-records_count = { $count ->
    [one] 1 gegeven
   *[other] { $count } gegevens
}

## portal

portal-nav_label = Uw privacy
portal-nav_data = Uw gegevens
portal-nav_recipients = Wie ze ontving
portal-nav_preferences = Marketingkeuzes
portal-nav_requests = Uw rechten
portal-nav_download = Downloaden
portal-col_field = Wat
portal-col_value = Waarde
portal-col_source = Herkomst
portal-col_collected = Verzameld
portal-col_updated = Laatst gewijzigd
portal-restricted_since = Beperkt sinds
portal-kept = Bewaard voor
portal-kept_until = tot
portal-see_all = alles bekijken
portal-back = Terug
portal-more_values = { $count ->
    [one] nog 1 waarde
   *[other] nog { $count } waarden
}

## dashboard (vervolg)

dashboard-why = Waarom wij dit hebben
dashboard-basis = Grondslag
dashboard-retention = Bewaard
dashboard-until = tot
dashboard-received_by = Wie dit ontving
dashboard-received_by_nobody = Niemand buiten deze organisatie heeft dit ontvangen.
dashboard-last = laatst op
dashboard-complaint_label = Vragen en klachten
dashboard-questions = Vragen over uw gegevens? Neem contact op met de functionaris gegevensbescherming,
dashboard-complain = Niet tevreden met het antwoord? U kunt een klacht indienen bij

## basis

basis-contract = uitvoering van een overeenkomst
basis-legal_obligation = wettelijke verplichting
basis-legitimate_interest = gerechtvaardigd belang
basis-consent = uw toestemming
basis-vital_interest = vitaal belang
basis-public_task = taak van algemeen belang

## source

source-provided = door u verstrekt
source-observed = waargenomen toen u onze diensten gebruikte
source-received = ontvangen van
source-derived = door ons afgeleid

## recipient_kind

recipient_kind-processor = Verwerker (werkt in onze opdracht)
recipient_kind-third_party = Zelfstandige derde partij
recipient_kind-authority = Overheidsinstantie

## safeguard

safeguard-eea = binnen de Europese Economische Ruimte
safeguard-adequacy = beschermd door een adequaatheidsbesluit van de Europese Commissie
safeguard-scc = beschermd door standaardcontractbepalingen
safeguard-bcr = beschermd door bindende bedrijfsvoorschriften
safeguard-derogation = doorgegeven op grond van een specifieke uitzondering (art. 49 AVG)

## recipients

recipients-title = Wie uw gegevens ontving
recipients-intro = Elke organisatie buiten de groep die uw gegevens ontving: dienstverleners die voor ons werken, zelfstandige derden en overheidsinstanties, wat zij ontvingen, waarom en wanneer.
recipients-none = Geen organisatie buiten de groep heeft uw gegevens ontvangen.
recipients-country = Land:
recipients-outside_eea = Buiten de EER:
recipients-col_when = Wanneer
recipients-col_from = Van
recipients-col_what = Wat
recipients-col_why = Waarom
recipients-sources_title = Van wie wij gegevens over u ontvingen

## preferences

preferences-title = Uw marketingkeuzes
preferences-intro = Kies per organisatie en per kanaal of wij u met aanbiedingen mogen benaderen. Elke wijziging geldt meteen en wordt vastgelegd; iets uitzetten is even gemakkelijk als aanzetten.
preferences-col_channel = Kanaal
preferences-col_state = Uw keuze
preferences-col_changed = Gewijzigd op
preferences-col_action = Wijzigen
preferences-on = Ja
preferences-off = Nee
preferences-never = Nee (nooit gevraagd)
preferences-turn_on = Aanzetten
preferences-turn_off = Uitzetten
preferences-sharing = deelt gegevens met adverteerders
preferences-notice_version = Keuzes worden vastgelegd bij privacyverklaring versie
preferences-receipt = Download uw toestemmingsbewijs
preferences-receipt_about = Een ondertekend overzicht van uw huidige keuzes (Kantara Consent Receipt 1.1).
preferences-history = Geschiedenis van uw keuzes
preferences-history_empty = Nog geen keuzes vastgelegd.
preferences-col_when = Wanneer
preferences-col_entity = Organisatie
preferences-col_what = Kanaal of doel
preferences-col_choice = Keuze
preferences-col_how = Hoe
preferences-col_notice = Versie verklaring
preferences-given = gegeven
preferences-withdrawn = ingetrokken
preferences-told = Gevraagd te stoppen:
preferences-gpc_seen = Uw browser stuurt het signaal Global Privacy Control.
preferences-gpc_applied = Wij hebben het toegepast: delen met adverteerders en sociale media staat nu uit.
preferences-error_channel = Die organisatie benadert mensen niet via dit kanaal, dus er valt niets te wijzigen.

## method

method-web = door u, in het portaal
method-support = door de klantenservice, voor u
method-api = door een van onze systemen
method-gpc = door het privacysignaal van uw browser
method-import = toen u het ons gaf

## task_status

task_status-pending = wacht op bevestiging
task_status-delivered = bezorgd, wacht op bevestiging
task_status-applied = bevestigd
task_status-declined = geweigerd

## task_action

task_action-rectify = de gegevens corrigeren
task_action-erase = de gegevens wissen
task_action-restrict = de verwerking beperken
task_action-lift_restriction = de beperking opheffen
task_action-object = de verwerking stoppen
task_action-stop_marketing = stoppen met marketing

## request_kind

request_kind-access = Uw gegevens inzien
request_kind-access_about = Vraag bevestiging van wat wij hebben en een kopie, met doelen, ontvangers, bewaartermijnen en herkomst (art. 15). Alles staat ook nu al op uw gegevenspagina's en in de download.
request_kind-access_intro = Wij bevestigen wat wij over u hebben en sturen u een kopie. U kunt ook nu meteen alles downloaden onder Downloaden.
request_kind-portability = Uw gegevens meenemen
request_kind-portability_about = Krijg de gegevens die u ons gaf, of die wij waarnamen, in een machineleesbare vorm om elders te gebruiken (art. 20).
request_kind-portability_intro = Wij zetten de gegevens die wij op grond van uw toestemming of een overeenkomst verwerken klaar in een machineleesbare vorm. Laat ons weten of wij ze direct naar een andere organisatie moeten sturen.
request_kind-rectification = Uw gegevens corrigeren
request_kind-rectification_about = Laat onjuiste gegevens corrigeren, of voeg een verklaring toe aan onvolledige gegevens (art. 16). Organisaties die ze ontvingen worden ingelicht.
request_kind-rectification_intro = Kies de waarde die niet klopt en geef de juiste, of voeg een verklaring toe die haar aanvult.
request_kind-erasure = Uw gegevens wissen
request_kind-erasure_about = Laat uw gegevens wissen (art. 17). Gegevens die wij volgens de wet moeten bewaren, zoals facturen voor de Belastingdienst, bewaren wij tot de wettelijke termijn afloopt; wij vertellen u welke en waarom.
request_kind-erasure_intro = Kies of alles gewist moet worden of alleen wat één organisatie heeft. Wissen kan niet ongedaan worden gemaakt. Iedereen die uw gegevens ontving, wordt gevraagd ze ook te wissen.
request_kind-restriction = Verwerking beperken
request_kind-restriction_about = Laat ons stoppen met het gebruik van uw gegevens (wij bewaren ze alleen), bijvoorbeeld zolang een correctie wordt gecontroleerd (art. 18).
request_kind-restriction_intro = Kies wat beperkt moet worden en vertel ons waarom. Voordat wij een beperking opheffen, laten wij het u weten.
request_kind-objection = Bezwaar maken
request_kind-objection_about = Maak bezwaar tegen verwerking op grond van ons gerechtvaardigd belang, en altijd tegen direct marketing (art. 21).
request_kind-objection_intro = Kies waartegen u bezwaar maakt. Bezwaar tegen direct marketing geldt meteen; bij andere verwerkingen kunt u ons over uw situatie vertellen.
request_kind-withdrawal = Toestemming intrekken
request_kind-withdrawal_about = Trek een gegeven toestemming in; dat geldt meteen (art. 7 lid 3).
request_kind-withdrawal_intro = Kies de toestemming die u intrekt. Dat geldt meteen en heeft geen gevolgen voor wat daarvoor is gedaan.
request_kind-automated_decision_review = Herbeoordeling van een geautomatiseerd besluit
request_kind-automated_decision_review_about = Vraag een mens om een automatisch genomen besluit te bekijken, geef uw standpunt en betwist het (art. 22).
request_kind-automated_decision_review_intro = Kies de verwerking en geef uw standpunt. Een medewerker beoordeelt het besluit opnieuw.

## request_status

request_status-received = ontvangen
request_status-awaiting_decision = wacht op een besluit
request_status-approved = toegewezen, wordt uitgevoerd
request_status-partially_approved = deels toegewezen, wordt uitgevoerd
request_status-rejected = afgewezen
request_status-completed = afgerond
request_status-withdrawn = door u ingetrokken

## rights

rights-why_no_data = Wij hebben geen gegevens over u, dus er valt niets te vragen.
rights-why_portability = Dit recht geldt voor gegevens die wij op grond van uw toestemming of een overeenkomst verwerken; geen van uw gegevens wordt op die grondslagen verwerkt.
rights-why_objection = Dit recht geldt voor verwerking op grond van ons gerechtvaardigd belang of een taak van algemeen belang, en voor direct marketing; geen van uw gegevens wordt zo verwerkt.
rights-why_withdrawal = Geen van uw gegevens wordt op grond van toestemming verwerkt, dus er is geen toestemming in te trekken. Marketingkeuzes staan op de marketingpagina.
rights-why_automated = Geen van uw gegevens wordt gebruikt voor automatisch genomen besluiten.

## requests

requests-title = Uw rechten
requests-yours = Uw verzoeken
requests-col_reference = Kenmerk
requests-col_kind = Verzoek
requests-col_scope = Betreft
requests-col_status = Status
requests-col_received = Ontvangen
requests-col_due = Beantwoord uiterlijk
requests-rights = Een recht gebruiken
requests-rights_intro = Elk verzoek is kosteloos en wordt binnen een maand beantwoord. Wij vragen nooit om een kopie van uw identiteitsbewijs: aangemeld zijn is genoeg.
requests-not_offered = Niet beschikbaar:
requests-start = Beginnen
requests-scope_all = Alle organisaties
requests-field_scope = Welke organisatie
requests-field_statement = Uw toelichting (niet verplicht, tenzij erom gevraagd wordt)
requests-field_record = De waarde die niet klopt
requests-field_mode = Wat wilt u?
requests-mode_correct = Corrigeren naar:
requests-mode_statement = Een aanvullende verklaring toevoegen (gebruik het toelichtingsveld)
requests-field_value = Juiste waarde
requests-field_categories = Welke gegevens
requests-field_purposes = Welke verwerking
requests-marketing_at_once = direct marketing: stopt meteen
requests-submit = Verzoek versturen
requests-see_existing = Bekijk het lopende verzoek
requests-error_scope = Kies een van de genoemde organisaties.
requests-error_statement_long = De toelichting mag hoogstens 4000 tekens hebben.
requests-error_statement_needed = Voeg een toelichting toe.
requests-error_record = Kies een van uw waarden uit de lijst.
requests-error_value_empty = Vul de juiste waarde in.
requests-error_value_long = De waarde mag hoogstens 4000 tekens hebben.
requests-error_value_same = Dat is de waarde die wij al hebben.
requests-error_purpose = Kies uit de genoemde verwerkingen.
requests-error_purpose_none = Kies er ten minste één.
requests-error_category = Kies uit de genoemde gegevens.
requests-error_duplicate = U hebt al een lopend verzoek van deze soort voor deze organisatie.

## request

request-items = Waar het om gaat
request-item_pending = in behandeling
request-item_applied = uitgevoerd
request-item_kept = bewaard
request-item_rejected = afgewezen
request-statement = Uw toelichting
request-timeline = Wat er gebeurde
request-event_received = Ontvangen
request-event_extended = Termijn verlengd
request-event_decided = Besloten
request-event_completed = Afgerond
request-recipients = Organisaties die moeten handelen
request-col_recipient = Organisatie
request-col_action = Gevraagd om
request-complain = Bent u het niet eens met dit besluit, dan kunt u een klacht indienen bij de toezichthouder of naar de rechter stappen.

## download

download-title = Uw gegevens downloaden
download-intro = Alles wat wij over u hebben, met doelen, grondslagen, bewaartermijnen, herkomst, ontvangers, uw marketingkeuzes en uw verzoeken.
download-json = Downloaden als JSON
download-json_about = één gestructureerd, machineleesbaar bestand
download-csv = Downloaden als CSV (zip)
download-csv_about = tabellen voor een spreadsheet, plus het JSON-bestand
download-fresh = Voor uw veiligheid vraagt een download om een aanmelding van de laatste 10 minuten; misschien wordt u gevraagd opnieuw aan te melden.

## processor

processor-nav_inbox = Taken
processor-sign_in_title = Aanmelden voor organisaties met wie wij gegevens delen
processor-sign_in_intro = Voor verwerkers en derden die correcties, verwijderingen en andere wijzigingen moeten doorvoeren waar mensen om vragen. U krijgt een code per e-mail, daarna een code uit uw authenticator-app.
processor-enrol_intro = Toegang voor uw organisatie vraagt om een authenticator-app. Scan deze QR-code ermee en vul de code in die hij toont.
processor-inbox_title = Door te voeren wijzigingen
processor-signed_in_as = Aangemeld als
processor-views = Welke taken
processor-view_open = Open
processor-view_overdue = Te laat
processor-view_done = Afgehandeld
processor-export = Downloaden als CSV
processor-none = Hier zijn geen taken.
processor-pages = Meer taken
processor-first_page = Eerste pagina
processor-next_page = Volgende taken
processor-select = Selecteren
processor-col_task = Taak
processor-confirm_selected = Geselecteerde taken bevestigen als doorgevoerd
processor-confirm_title = Bevestigen als doorgevoerd
processor-reference = Uw kenmerk (niet verplicht)
processor-note = Opmerking (niet verplicht)
processor-confirm = Bevestigen
processor-decline_title = Weigeren
processor-reason = Reden (verplicht), bijvoorbeeld een wettelijke bewaarplicht, of gegevens niet aanwezig
processor-decline = Weigeren
processor-confirmed_on = Bevestigd als doorgevoerd op
processor-declined_on = Geweigerd op
processor-deliveries = Webhook-bezorgingen
processor-error_reason = Geef de reden van de weigering.
processor-error_too_long = Een kenmerk of opmerking mag hoogstens 2000 tekens hebben.
processor-error_already = Deze taak is al op de andere manier beantwoord.
code-error_dead_or_wrong = Die code klopt niet, is verlopen of al gebruikt. Vraag zo nodig een nieuwe code aan.
task_status-overdue = te laat
request-recipients_intro = Elke organisatie die de betrokken gegevens ontving wordt ingelicht en bevestigt wanneer zij heeft gehandeld, of weigert met een reden.
request-on_behalf_of = ontving ze van
request-decline_reason = Reden:
request-kept_until = tot
request-certificate = Certificaat
request-certificate_intro = Elke organisatie heeft geantwoord. Het certificaat vermeldt wie wat wanneer bevestigde, en wat op grond van een wettelijke plicht bewaard blijft. Het is ondertekend, zodat iedereen kan nagaan dat wij het uitgaven.
request-certificate_page = Afdrukbaar certificaat
request-certificate_json = Ondertekend certificaat (JSON)
certificate-title = Certificaat voor verzoek
certificate-intro = Dit certificaat legt vast hoe een verzoek op grond van de Algemene verordening gegevensbescherming is uitgevoerd, en welke organisaties die de gegevens ontvingen bevestigden dat zij ernaar handelden (art. 19 AVG).
certificate-request = Het verzoek
certificate-kind = Recht
certificate-received = Ontvangen
certificate-decided = Besloten
certificate-completed = Afgerond
certificate-controllers = Verwerkingsverantwoordelijken
certificate-recipients = Ingelichte organisaties
certificate-col_answer = Antwoord
certificate-col_by = Beantwoord door
certificate-col_reference = Hun kenmerk
certificate-kept = Bewaard op grond van een wettelijke plicht
certificate-col_purpose = Waarom
certificate-col_until = Tot
certificate-issued = Uitgegeven
certificate-verify = De ondertekende versie (JSON) is te controleren met de publieke sleutel op
processor-oidc_title = Of meld u aan met het account van uw organisatie
oidc-no_processor_title = Geen toegang voor dit account
oidc-no_processor_text = Het account waarmee u zich aanmeldde is geen verwerkersgebruiker van een organisatie die deze aanmelding mag gebruiken. Vraag het privacyteam om een uitnodiging, of meld u aan met een code per e-mail.
request-event_lift_announced = U is meegedeeld dat de beperking wordt opgeheven
request-lift_on = op
request-event_lifted = Beperking opgeheven

## staff console

staff-sign_in_title = Aanmelden voor medewerkers
staff-sign_in_intro = Voor onze klantenservice en privacy officers. U krijgt een code per e-mail en daarna een code uit uw authenticator-app.
staff-enrol_intro = Toegang voor medewerkers vraagt een authenticator-app. Scan deze QR-code ermee en vul de code in die de app toont.
staff-oidc_title = Of meld u aan met het medewerkersaccount
staff-nav_home = Medewerkers
staff-nav_queue = Verzoeken
staff-nav_audit = Audittrail
staff-nav_admin = Beheer
staff-nav_preferences = Voorkeuren
staff-nav_requests_person = Hun verzoeken
staff-nav_download = Hun download
staff-assisting = U handelt namens een geverifieerde beller tot
staff-assisting_recorded = Alles wat u ziet en doet wordt vastgelegd en aan de persoon getoond.
staff-assist_stop = Stop met handelen namens deze beller
staff-reason = Reden (de persoon krijgt die te zien)
staff-error_reason_missing = Geef de reden voor deze wijziging; de persoon krijgt die te zien.
staff-error_reason_long = De reden mag hoogstens 500 tekens hebben.
staff-home_title = Medewerkersconsole
staff-signed_in_as = Aangemeld als
staff-find_title = Een beller zoeken
staff-find_intro = Zoek op e-mailadres, klantnummer of naam. U ziet alleen genoeg om de juiste persoon te kiezen, tot de beller de code voorleest die wij naar het geregistreerde adres sturen.
staff-find_label = E-mailadres, klantnummer of naam
staff-find_submit = Zoeken
staff-results = Resultaten
staff-no_results = Niemand gevonden.
staff-col_name = Naam
staff-col_email = Geregistreerd adres
staff-col_entities = Klant van
staff-col_action = Actie
staff-send_code = Verificatiecode sturen
staff-error_query_short = Typ minstens 3 tekens.
staff-verify_title = De beller verifiëren
staff-verify_intro = Wij stuurden een code naar het geregistreerde adres van
staff-verify_label = De code die de beller voorleest
staff-verify_submit = Verifiëren en namens deze beller handelen
staff-send_again = Een nieuwe code sturen
staff-verify_never_id = Vraag nooit om een kopie van een identiteitsbewijs: de code is de controle.
staff_role-agent = klantenservicemedewerker
staff_role-privacy_officer = privacy officer
staff_role-admin = beheerder
portal-nav_activity = Wie bekeek mijn gegevens
activity-title = Wie bekeek mijn gegevens
activity-intro = Elke keer dat een van onze medewerkers uw gegevens bekeek of wijzigde, bijvoorbeeld toen u ons belde, staat hier: wie, wanneer, wat en waarom.
activity-none = Geen van onze medewerkers heeft uw gegevens bekeken.
activity-col_when = Wanneer
activity-col_who = Wie
activity-col_what = Wat
activity-col_reason = Waarom
activity-staff_id = medewerkersnummer
activity-verified = controleerde dat u het was met een code naar uw adres
activity-viewed = bekeek
activity-preference = wijzigde een marketingkeuze
activity-request = diende een verzoek voor u in
activity-download = downloadde uw gegevens om u toe te sturen
activity-ended = stopte met handelen namens u
queue-title = Verzoeken
queue-filter_kind = Recht
queue-filter_status = Status
queue-filter_entity = Organisatie
queue-filter_due = Termijn
queue-any = alle
queue-status_open = open
queue-due_overdue = verlopen
queue-due_week = binnen een week
queue-filter = Filteren
queue-none = Geen verzoek gevonden.
queue-col_person = Persoon
queue-decide = Besluiten
queue-decision = Besluit
queue-approve = Toewijzen
queue-partial = Gedeeltelijk toewijzen (noem de uitgezonderde gegevens en de wettelijke reden)
queue-reject = Afwijzen (de persoon krijgt de reden en hoe te klagen)
queue-keep_legend = Gegevens die buiten het besluit blijven
queue-reason = Reden (de persoon krijgt die te zien)
queue-decide_submit = Besluit vastleggen
queue-extend = Termijn verlengen
queue-extend_months = Extra maanden
queue-extend_submit = Verlengen en de persoon inlichten
queue-resend = Opnieuw sturen
queue-resent = Opnieuw naar de ontvanger gestuurd.
queue-error_reason_required = Geef de reden; de persoon krijgt die te zien.
queue-error_reason_long = De reden mag hoogstens 2000 tekens hebben.
queue-error_keep_none = Vink de uitgezonderde gegevens aan, of wijs het verzoek geheel toe.
queue-error_keep_unknown = Kies gegevens uit de lijst.
queue-error_decision = Kies toewijzen, gedeeltelijk toewijzen of afwijzen.
queue-error_decided = Over dit verzoek is al besloten; er is niets gewijzigd.
queue-error_extend_months = Een termijn kan alleen met een of twee maanden worden verlengd.
queue-error_extend_reason = Geef de reden voor de verlenging; de persoon krijgt die te zien.
queue-error_extend_late = De eerste maand is voorbij: een verlenging moet binnen die maand worden meegedeeld. Er is niets gewijzigd.
queue-error_extend_twice = De termijn is al verlengd; dat kan één keer. Er is niets gewijzigd.
queue-error_closed = Dit verzoek is afgesloten; er is niets gewijzigd.
queue-until = Bewaard tot (bij wissen)
queue-error_until = Geef de datum tot wanneer de gegevens worden bewaard: na vandaag, binnen tien jaar.
audit-title = Audittrail
audit-intact = De hashketen is intact; gecontroleerde gebeurtenissen:
audit-broken = De hashketen is gebroken bij gebeurtenis
audit-unlinked = Gebeurtenissen vastgelegd tijdens de controle, nog niet aan de keten gekoppeld:
audit-filter_action = Actie begint met
audit-col_target = Op
audit-col_details = Details
audit-older = Oudere gebeurtenissen
admin-title = Beheer
admin-staff = Medewerkers
admin-processors = Verwerkersgebruikers
admin-tokens = API-tokens voor verwerkers
admin-webhooks = Webhooks
admin-col_email = E-mailadres
admin-col_role = Rol
admin-col_state = Status
admin-col_prefix = Voorvoegsel
admin-col_label = Omschrijving
admin-col_used = Laatst gebruikt
admin-federated = identiteitsprovider voor medewerkers
admin-active = actief
admin-disabled = uitgeschakeld
admin-revoked = ingetrokken
admin-change_role = Rol wijzigen
admin-disable = Uitschakelen
admin-revoke = Intrekken
admin-remove = Verwijderen
admin-add_staff = Medewerker toevoegen
admin-invite = Uitnodigen
admin-create_token = Token aanmaken
admin-source_tokens = Tokens voor bronsystemen (ingest-API)
admin-source_tokens_intro = CRM-, facturatie-, HR- en marketingsystemen sturen met een van deze tokens wat zij bewaren naar /api/ingest/v1.
admin-col_source = Bronsysteem
admin-col_entities = Entiteiten waarvoor het mag schrijven
admin-all_entities = alle entiteiten
admin-source_hint = Kleine letters, cijfers en koppeltekens, bijv. crm of hr-salaris.
admin-entities_hint = Vink niets aan om het voor elke entiteit te laten schrijven.
admin-create_source_token = Brontoken aanmaken
admin-error_source = Geef het bronsysteem een naam met kleine letters, cijfers en koppeltekens.
admin-set_webhook = Webhook instellen
admin-secret_once = Kopieer het nu; het wordt niet meer getoond:
admin-staff_added = Medewerker toegevoegd. Aanmelden gaat met een code per e-mail en een authenticator-app.
admin-role_changed = Rol gewijzigd; de sessies zijn beëindigd, de nieuwe rol geldt bij de volgende aanmelding.
admin-staff_disabled = Medewerker uitgeschakeld; de sessies zijn beëindigd.
admin-processor_invited = Uitnodiging verstuurd.
admin-processor_disabled = Verwerkersgebruiker uitgeschakeld; de sessies zijn beëindigd.
admin-token_created = Token aangemaakt.
admin-token_revoked = Token ingetrokken.
admin-webhook_set = Webhook ingesteld.
admin-webhook_removed = Webhook verwijderd.
admin-error_invalid = Dat kon niet; er is niets gewijzigd.
admin-error_email = Vul een geldig e-mailadres in.
admin-error_name = Vul een naam in (hoogstens 200 tekens).
admin-error_role = Kies een van de rollen.
admin-error_recipient = Kies een van de ontvangers.
admin-error_label = Vul een omschrijving in (hoogstens 100 tekens).
admin-error_unknown = Niet gevonden; er is niets gewijzigd.
admin-error_self = U kunt uw eigen account hier niet wijzigen of uitschakelen.
admin-error_url = De URL moet https:// zijn (http:// alleen op deze machine) en niet naar een privé- of link-local adres wijzen.
admin-error_federated = De rol van een medewerker uit de identiteitsprovider komt van de provider.
admin-error_exists = Dat adres is al in gebruik; er is niets gewijzigd.
oidc-no_staff_title = Geen medewerkerstoegang voor dit account
oidc-no_staff_text = Het account waarmee u zich aanmeldde heeft geen geverifieerd adres of geen medewerkersrol (klantenservice, privacy officer of beheerder) bij de identiteitsprovider, of het is hier uitgeschakeld. Vraag een beheerder.
