# English texts of the portal (Project Fluent syntax). Every message here must also be in
# nl.ftl (a test checks), and every ctx.t("section.key") in templates/ and src/ must name
# a message: the key's dots become dashes here ("sign_in.title" is sign_in-title).


## site

site-menu = Menu
site-name = Privacy portal
site-skip = Skip to content
site-language = Language
site-footer = This portal runs on the organisation's own servers. It sets no tracking cookies.

## landing

landing-signed_out = You are signed out.
landing-sign_in = Sign in to see your data
landing-title = Your data, your rights
landing-intro = See what the organisations below hold about you, why they hold it, on what legal basis, for how long and who received it — and use your rights here, without writing an e-mail.
landing-who_title = Who is responsible for your data
landing-who_intro = These legal entities decide what happens to your personal data (they are the controllers). Each answers for its own processing.
landing-trade_name = Trading as
landing-address = Address
landing-contact = Contact
landing-dpo = Data protection officer
landing-authority = Supervisory authority
landing-authority_intro = If you are not satisfied with how your data is handled, you can complain to
landing-notice = Privacy statement
landing-version = version
landing-rights_title = Your rights
landing-right_access = See the data held about you and get a copy (Art. 15).
landing-right_rectification = Have incorrect data corrected or add a statement to incomplete data (Art. 16).
landing-right_erasure = Have your data erased, except what the law requires to be kept (Art. 17).
landing-right_restriction = Have processing restricted while a dispute is settled (Art. 18).
landing-right_portability = Take the data you provided with you in a machine-readable form (Art. 20).
landing-right_objection = Object to processing based on a legitimate interest, and to direct marketing at any time (Art. 21).
landing-right_withdrawal = Withdraw consent as easily as you gave it (Art. 7(3)).
landing-right_complaint = Complain to the supervisory authority (Art. 77).
landing-free = Using your rights is free of charge. We never ask for a copy of your identity document.

## error

error-title = Something went wrong
error-not_found_title = Page not found
error-not_found_text = There is no page at this address. Check the address or go back to the start page.
error-home = Go to the start page

## nav

nav-dashboard = Your data
nav-account = Account
nav-sign_in = Sign in
nav-sign_out = Sign out

## role

role-customer_contact = Customer contact
role-service_user = Service user
role-job_applicant = Job applicant
role-website_visitor = Website visitor

## sign_in

sign_in-title = Sign in
sign_in-reauth = For your protection, please sign in again to continue.
sign_in-email_title = With a code by e-mail
sign_in-email_intro = Enter the e-mail address the organisation knows you by. If we know it, we send a one-time code to it.
sign_in-email_label = E-mail address
sign_in-send_code = Send me a code
sign_in-oidc_title = Or with your account
sign_in-privacy = We only use your address to send the code. No password is needed.
sign_in-error_empty = Enter your e-mail address.
sign_in-error_too_long = An e-mail address has at most 254 characters.
sign_in-error_invalid = Enter an e-mail address of the form name@example.com.
sign_in-error_rate_limited = Too many codes were requested. Wait a few minutes and try again.

## code

code-title = Enter your code
code-sent = If we know this address, a code is on its way to it.
code-valid_for = The code is valid for
code-minutes = minutes and works once.
code-label = Code from the e-mail
code-submit = Sign in
code-new_code = No e-mail? Request a new code
code-tries_left = Tries left:
code-error_empty = Enter the code from the e-mail.
code-error_digits = The code consists of digits only, without spaces.
code-error_length = The code has 6 digits.
code-error_wrong = That code is not right.
code-error_dead = This code has expired, was already used, or was entered wrongly too often. Request a new code.
code-error_rate_limited = Too many codes were entered from here. Wait a few minutes and try again.

## second_factor

second_factor-title = Authenticator app
second_factor-intro = Open your authenticator app and enter the 6-digit code it shows for the privacy portal.
second_factor-label = Code from your app, or a recovery code
second_factor-submit = Continue
second_factor-recovery_hint = Lost your phone? Enter one of your recovery codes instead.
second_factor-error_format = Enter the 6 digits from your app, or a recovery code such as ABCD-EFGH.
second_factor-error_wrong = That code is not right, or was already used.
second_factor-error_rate_limited = Too many wrong codes. Wait for your app to show the next code.

## oidc

oidc-unavailable_title = Sign-in provider unavailable
oidc-unavailable_text = The sign-in provider cannot be reached right now. Try again later, or sign in with a code by e-mail.
oidc-cancelled_title = Sign-in cancelled
oidc-cancelled_text = The sign-in was cancelled or refused at the provider. You can try again, or sign in with a code by e-mail.
oidc-failed_title = Sign-in could not be completed
oidc-failed_text = This sign-in could not be verified: it expired, was already used, or was started in another browser. Please start again.
oidc-no_data_title = No data under this account
oidc-no_data_text = We hold no data under the account you signed in with. If the organisation knows you by an e-mail address, sign in with a code sent to that address.
oidc-try_email = Sign in with a code by e-mail

## dashboard

dashboard-title = Your data
dashboard-greeting = Welcome,
dashboard-intro = These organisations of the group hold data about you, in the roles below.
dashboard-nothing = None of the organisations holds data about you.
dashboard-since = since
dashboard-reference = reference

## account

account-title = Your account
account-address_title = Registered e-mail address
account-authenticator_title = Authenticator app
account-authenticator_on = On: signing in asks for a code from your app.
account-authenticator_off = Off. Add an authenticator app for extra protection.
account-recovery_left = Recovery codes left:
account-authenticator_manage = Manage the authenticator app
account-sessions_title = Where you are signed in
account-browser = Browser
account-method = Signed in with
account-method_email = E-mailed code
account-method_oidc = Identity provider
account-started = Signed in at
account-last_seen = Last active
account-actions = Actions
account-this_session = this browser
account-end = Sign out
account-end_others = Sign out all other sessions
account-sign_out_everywhere = Sign out everywhere

## authenticator

authenticator-title = Authenticator app
authenticator-intro = An authenticator app (such as Aegis, FreeOTP or Google Authenticator) adds a second step to signing in: after the e-mailed code, the portal asks for a code from your phone.
authenticator-start = Set up an authenticator app
authenticator-step_scan = Scan this QR code with your app.
authenticator-qr_alt = QR code to add the privacy portal to your authenticator app
authenticator-manual = Cannot scan? Enter this key:
authenticator-open_app = Open in an authenticator app on this device
authenticator-step_confirm = Enter the 6-digit code your app now shows, to confirm it works.
authenticator-code_label = Code from your app
authenticator-confirm = Confirm
authenticator-error_code = That code is not right. Check the time on your phone and enter the newest code.
authenticator-enrolled = An authenticator app is set up: signing in asks for its code after the e-mailed code.
authenticator-remove = Remove the authenticator app
authenticator-remove_note = Removing it needs a sign-in of the last 10 minutes.

## recovery

recovery-title = Your recovery codes
recovery-intro = Keep these codes somewhere safe. Each works once, instead of a code from your app, if you lose your phone. They are shown only now.
recovery-done = I have stored them
dashboard-records_count = { $count ->
    [one] 1 item
   *[other] { $count } items
}

## portal

portal-nav_label = Your privacy
portal-nav_data = Your data
portal-nav_recipients = Who received it
portal-nav_preferences = Marketing choices
portal-nav_requests = Your rights
portal-nav_download = Download
portal-col_field = What
portal-col_value = Value
portal-col_source = Where it came from
portal-col_collected = Collected
portal-col_updated = Last changed
portal-restricted_since = Restricted since
portal-kept = Kept for
portal-kept_until = until
portal-see_all = see all
portal-back = Back
portal-more_values = { $count ->
    [one] 1 more value
   *[other] { $count } more values
}

## dashboard (continued)

dashboard-why = Why we hold it
dashboard-basis = Legal basis
dashboard-retention = Kept
dashboard-until = until
dashboard-received_by = Who received it
dashboard-received_by_nobody = Nobody outside this organisation received it.
dashboard-last = last on
dashboard-complaint_label = Questions and complaints
dashboard-questions = Questions about your data? Contact the data protection officer,
dashboard-complain = Not satisfied with the answer? You can complain to

## basis

basis-contract = performance of a contract
basis-legal_obligation = legal obligation
basis-legitimate_interest = legitimate interest
basis-consent = your consent
basis-vital_interest = vital interests
basis-public_task = task in the public interest

## source

source-provided = provided by you
source-observed = observed when you used our services
source-received = received from
source-derived = derived by us

## recipient_kind

recipient_kind-processor = Processor (acts on our instructions)
recipient_kind-third_party = Independent third party
recipient_kind-authority = Public authority

## safeguard

safeguard-eea = inside the European Economic Area
safeguard-adequacy = protected by an adequacy decision of the European Commission
safeguard-scc = protected by standard contractual clauses
safeguard-bcr = protected by binding corporate rules
safeguard-derogation = transferred under a specific exception (Art. 49 GDPR)

## recipients

recipients-title = Who received your data
recipients-intro = Every organisation outside the group that received your data: service providers working for us, independent third parties and public authorities, what they received, why and when.
recipients-none = No organisation outside the group received your data.
recipients-country = Country:
recipients-outside_eea = Outside the EEA:
recipients-col_when = When
recipients-col_from = From
recipients-col_what = What
recipients-col_why = Why
recipients-sources_title = Where we received data about you from

## preferences

preferences-title = Your marketing choices
preferences-intro = Choose per organisation and per channel whether we may contact you with offers. Every change takes effect at once and is recorded; turning something off is as easy as turning it on.
preferences-col_channel = Channel
preferences-col_state = Your choice
preferences-col_changed = Changed on
preferences-col_action = Change
preferences-on = Yes
preferences-off = No
preferences-never = No (never asked)
preferences-turn_on = Turn on
preferences-turn_off = Turn off
preferences-sharing = shares data with advertisers
preferences-notice_version = Choices are recorded against privacy statement version
preferences-receipt = Download your consent receipt
preferences-receipt_about = A signed record of your current choices (Kantara Consent Receipt 1.1).
preferences-history = History of your choices
preferences-history_empty = No choices recorded yet.
preferences-col_when = When
preferences-col_entity = Organisation
preferences-col_what = Channel or purpose
preferences-col_choice = Choice
preferences-col_how = How
preferences-col_notice = Statement version
preferences-given = given
preferences-withdrawn = withdrawn
preferences-told = Told to stop:
preferences-gpc_seen = Your browser sends the Global Privacy Control signal.
preferences-gpc_applied = We applied it: sharing with advertisers and social media is now off.
preferences-error_channel = That organisation does not contact people through this channel, so there is nothing to change.

## method

method-web = by you, in the portal
method-support = by support staff, for you
method-api = by one of our systems
method-gpc = by your browser's privacy signal
method-import = when you gave it to us

## task_status

task_status-pending = waiting for confirmation
task_status-delivered = delivered, waiting for confirmation
task_status-applied = confirmed
task_status-declined = declined

## task_action

task_action-rectify = correct the data
task_action-erase = erase the data
task_action-restrict = restrict processing
task_action-lift_restriction = lift the restriction
task_action-object = stop the processing
task_action-stop_marketing = stop marketing

## request_kind

request_kind-access = See your data
request_kind-access_about = Ask for confirmation of what we hold and a copy, with purposes, recipients, retention and sources (Art. 15). Everything is also on your data pages and in the download right away.
request_kind-access_intro = We will confirm what we hold about you and send you a copy. You can also download everything right now under Download.
request_kind-portability = Take your data with you
request_kind-portability_about = Get the data you gave us, or that we observed, in a machine-readable form to reuse elsewhere (Art. 20).
request_kind-portability_intro = We will prepare the data processed on the basis of your consent or a contract in a machine-readable form. Tell us if we should send it to another organisation directly.
request_kind-rectification = Correct your data
request_kind-rectification_about = Have incorrect data corrected, or add a statement to data that is incomplete (Art. 16). Organisations that received it are told.
request_kind-rectification_intro = Choose the value that is wrong and give the correct one, or add a statement that completes it.
request_kind-erasure = Erase your data
request_kind-erasure_about = Have your data erased (Art. 17). Data we must keep by law, such as invoices for the tax authority, is kept until the legal period ends; we tell you which and why.
request_kind-erasure_intro = Choose whether to erase everything or only what one organisation holds. Erasure cannot be undone. Everyone who received your data is told to erase it too.
request_kind-restriction = Restrict processing
request_kind-restriction_about = Have us stop using your data (we only store it) while, for example, a correction is being checked (Art. 18).
request_kind-restriction_intro = Choose what to restrict and tell us why. Before we lift a restriction we will tell you.
request_kind-objection = Object
request_kind-objection_about = Object to processing based on our legitimate interest, and to direct marketing at any time (Art. 21).
request_kind-objection_intro = Choose what you object to. An objection to direct marketing takes effect at once; for other processing you may tell us about your situation.
request_kind-withdrawal = Withdraw consent
request_kind-withdrawal_about = Withdraw consent you gave; it takes effect at once (Art. 7(3)).
request_kind-withdrawal_intro = Choose the consent you withdraw. This takes effect at once and does not affect what was done before.
request_kind-automated_decision_review = Review of an automated decision
request_kind-automated_decision_review_about = Ask for a person to look at a decision made automatically, give your view and contest it (Art. 22).
request_kind-automated_decision_review_intro = Choose the processing and tell us your point of view. A person will review the decision.

## request_status

request_status-received = received
request_status-awaiting_decision = waiting for a decision
request_status-approved = approved, being carried out
request_status-partially_approved = partly approved, being carried out
request_status-rejected = refused
request_status-completed = done
request_status-withdrawn = withdrawn by you

## rights

rights-why_no_data = We hold no data about you, so there is nothing to ask for.
rights-why_portability = This right covers data processed on the basis of your consent or a contract; none of your data is processed on those bases.
rights-why_objection = This right covers processing based on our legitimate interest or a public task, and direct marketing; none of your data is processed that way.
rights-why_withdrawal = None of your data is processed on the basis of consent, so there is no consent to withdraw. Marketing choices are on the marketing page.
rights-why_automated = None of your data is used for decisions made automatically.

## requests

requests-title = Your rights
requests-yours = Your requests
requests-col_reference = Reference
requests-col_kind = Request
requests-col_scope = Concerns
requests-col_status = Status
requests-col_received = Received
requests-col_due = Answered by
requests-rights = Use a right
requests-rights_intro = Every request is free of charge and answered within one month. We never ask for a copy of your identity document: being signed in is enough.
requests-not_offered = Not available:
requests-start = Start
requests-scope_all = All organisations
requests-field_scope = Which organisation
requests-field_statement = Your explanation (optional unless asked for)
requests-field_record = The value that is wrong
requests-field_mode = What do you want?
requests-mode_correct = Correct it to:
requests-mode_statement = Add a statement that completes it (use the explanation field)
requests-field_value = Correct value
requests-field_categories = Which data
requests-field_purposes = Which processing
requests-marketing_at_once = direct marketing: stops at once
requests-submit = Send request
requests-see_existing = See the open request
requests-error_scope = Choose one of the organisations listed.
requests-error_statement_long = The explanation can have at most 4000 characters.
requests-error_statement_needed = Please add an explanation.
requests-error_record = Choose one of your values from the list.
requests-error_value_empty = Enter the correct value.
requests-error_value_long = The value can have at most 4000 characters.
requests-error_value_same = That is the value we already hold.
requests-error_purpose = Choose from the processing listed.
requests-error_purpose_none = Choose at least one.
requests-error_category = Choose from the data listed.
requests-error_duplicate = You already have an open request of this kind for this organisation.

## request

request-items = What it concerns
request-item_pending = pending
request-item_applied = done
request-item_kept = kept
request-item_rejected = refused
request-statement = Your explanation
request-timeline = What happened
request-event_received = Received
request-event_extended = Deadline extended
request-event_decided = Decided
request-event_completed = Done
request-recipients = Organisations that must act
request-col_recipient = Organisation
request-col_action = Asked to
request-complain = If you do not agree with this decision, you can complain to the supervisory authority or go to court.

## download

download-title = Download your data
download-intro = Everything we hold about you, with purposes, legal bases, retention, sources, recipients, your marketing choices and your requests.
download-json = Download as JSON
download-json_about = one structured, machine-readable file
download-csv = Download as CSV (zip)
download-csv_about = tables for a spreadsheet, plus the JSON file
download-fresh = For your protection, a download needs a sign-in of the last 10 minutes; you may be asked to sign in again.

## processor

processor-nav_inbox = Tasks
processor-sign_in_title = Sign in for organisations we share data with
processor-sign_in_intro = For processors and third parties that must apply corrections, erasures and other changes people ask for. You get a code by e-mail, then a code from your authenticator app.
processor-enrol_intro = Your organisation's access needs an authenticator app. Scan this QR code with it, then enter the code it shows.
processor-inbox_title = Changes to apply
processor-signed_in_as = Signed in as
processor-views = Which tasks
processor-view_open = Open
processor-view_overdue = Overdue
processor-view_done = Done
processor-export = Download as CSV
processor-none = No tasks here.
processor-pages = More tasks
processor-first_page = First page
processor-next_page = Next tasks
processor-select = Select
processor-col_task = Task
processor-confirm_selected = Confirm the selected tasks as applied
processor-confirm_title = Confirm as applied
processor-reference = Your reference (optional)
processor-note = Note (optional)
processor-confirm = Confirm applied
processor-decline_title = Decline
processor-reason = Reason (required), e.g. a legal duty to keep the data, or data not held
processor-decline = Decline
processor-confirmed_on = Confirmed as applied on
processor-declined_on = Declined on
processor-deliveries = Webhook deliveries
processor-error_reason = Give the reason for declining.
processor-error_too_long = A reference or note can have at most 2000 characters.
processor-error_already = This task was already answered the other way.
code-error_dead_or_wrong = That code is not right, has expired, or was used. Request a new code if needed.
task_status-overdue = overdue
request-recipients_intro = Each organisation that received the data concerned is told, and confirms when it has acted, or declines with a reason.
request-on_behalf_of = received it from
request-decline_reason = Reason:
request-kept_until = until
request-certificate = Certificate
request-certificate_intro = Every organisation has answered. The certificate lists who confirmed what and when, and what is kept under a legal obligation. It is signed, so anyone can check it was issued by us.
request-certificate_page = Printable certificate
request-certificate_json = Signed certificate (JSON)
certificate-title = Certificate for request
certificate-intro = This certificate records how a request under the General Data Protection Regulation was carried out, and which organisations that received the data confirmed that they acted on it (Art. 19 GDPR).
certificate-request = The request
certificate-kind = Right
certificate-received = Received
certificate-decided = Decided
certificate-completed = Completed
certificate-controllers = Controllers
certificate-recipients = Organisations told
certificate-col_answer = Answer
certificate-col_by = Answered by
certificate-col_reference = Their reference
certificate-kept = Kept under a legal obligation
certificate-col_purpose = Why
certificate-col_until = Until
certificate-issued = Issued
certificate-verify = The signed version (JSON) can be checked with the public key at
processor-oidc_title = Or sign in with your organisation's account
oidc-no_processor_title = No access for this account
oidc-no_processor_text = The account you signed in with is not a processor user of an organisation that may use this sign-in. Ask the privacy team for an invitation, or sign in with a code by e-mail.
request-event_lift_announced = You were told the restriction will be lifted
request-lift_on = on
request-event_lifted = Restriction lifted

## staff console

staff-sign_in_title = Staff sign-in
staff-sign_in_intro = For our support staff and privacy officers. You get a code by e-mail, then a code from your authenticator app.
staff-enrol_intro = Staff access needs an authenticator app. Scan this QR code with it, then enter the code it shows.
staff-oidc_title = Or sign in with the staff account
staff-nav_home = Staff home
staff-nav_queue = Request queue
staff-nav_audit = Audit trail
staff-nav_admin = Administration
staff-nav_preferences = Preferences
staff-nav_requests_person = Their requests
staff-nav_download = Their download
staff-assisting = You are acting for a verified caller until
staff-assisting_recorded = Everything you see and do is recorded and shown to the person.
staff-assist_stop = Stop acting for this caller
staff-reason = Reason (told to the person)
staff-error_reason_missing = Give the reason for this change; the person is told it.
staff-error_reason_long = The reason can have at most 500 characters.
staff-home_title = Staff console
staff-signed_in_as = Signed in as
staff-find_title = Find a caller
staff-find_intro = Search by e-mail address, customer reference or name. You see only enough to pick the right person until the caller reads back the code we send to their registered address.
staff-find_label = E-mail address, customer reference or name
staff-find_submit = Search
staff-results = Results
staff-no_results = Nobody matches.
staff-col_name = Name
staff-col_email = Registered address
staff-col_entities = Customer of
staff-col_action = Action
staff-send_code = Send verification code
staff-error_query_short = Type at least 3 characters.
staff-verify_title = Verify the caller
staff-verify_intro = We sent a code to the registered address of
staff-verify_label = The code the caller reads to you
staff-verify_submit = Verify and act for this caller
staff-send_again = Send a new code
staff-verify_never_id = Never ask for a copy of an identity document: the code is the check.
staff_role-agent = support agent
staff_role-privacy_officer = privacy officer
staff_role-admin = administrator
portal-nav_activity = Who looked at my data
activity-title = Who looked at my data
activity-intro = Every time one of our staff looked at or changed your data, for example when you called us, it is listed here: who, when, what and why.
activity-none = None of our staff has looked at your data.
activity-col_when = When
activity-col_who = Who
activity-col_what = What
activity-col_reason = Why
activity-staff_id = staff id
activity-verified = verified it was you with a code sent to your address
activity-viewed = looked at
activity-preference = changed a marketing choice
activity-request = filed a request for you
activity-download = downloaded your data to send to you
activity-ended = stopped acting for you
queue-title = Request queue
queue-filter_kind = Right
queue-filter_status = Status
queue-filter_entity = Organisation
queue-filter_due = Due
queue-any = any
queue-status_open = open
queue-due_overdue = overdue
queue-due_week = within a week
queue-filter = Filter
queue-none = No request matches.
queue-col_person = Person
queue-decide = Decide
queue-decision = Decision
queue-approve = Approve
queue-partial = Approve in part (name the records left out and the legal reason)
queue-reject = Reject (the person is told the reason and how to complain)
queue-keep_legend = Records left out of the decision
queue-reason = Reason (told to the person)
queue-decide_submit = Record the decision
queue-extend = Extend the deadline
queue-extend_months = Further months
queue-extend_submit = Extend and tell the person
queue-resend = Send again
queue-resent = Sent to the recipient again.
queue-error_reason_required = Give the reason; the person is told it.
queue-error_reason_long = The reason can have at most 2000 characters.
queue-error_keep_none = Tick the records left out, or approve the request as a whole.
queue-error_keep_unknown = Choose records from the list.
queue-error_decision = Choose approve, approve in part or reject.
queue-error_decided = This request was decided already; nothing was changed.
queue-error_extend_months = A deadline can be extended by one or two further months only.
queue-error_extend_reason = Give the reason for the extension; the person is told it.
queue-error_extend_late = The first month has ended: an extension must be told within it. Nothing was changed.
queue-error_extend_twice = The deadline was extended already; it can be extended once. Nothing was changed.
queue-error_closed = This request is closed; nothing was changed.
queue-until = Kept until (for an erasure)
queue-error_until = Give the date until which the records are kept: after today, within ten years.
audit-title = Audit trail
audit-intact = The hash chain is intact; events checked:
audit-broken = The hash chain is broken at event
audit-unlinked = Events committed while the chain was checked, not linked into it yet:
audit-filter_action = Action starts with
audit-col_target = On
audit-col_details = Details
audit-older = Older events
admin-title = Administration
admin-staff = Staff
admin-processors = Processor users
admin-tokens = Processor API tokens
admin-webhooks = Webhooks
admin-col_email = E-mail address
admin-col_role = Role
admin-col_state = State
admin-col_prefix = Prefix
admin-col_label = Label
admin-col_used = Last used
admin-federated = staff identity provider
admin-active = active
admin-disabled = disabled
admin-revoked = revoked
admin-change_role = Change role
admin-disable = Disable
admin-revoke = Revoke
admin-remove = Remove
admin-add_staff = Add staff member
admin-invite = Invite
admin-create_token = Create token
admin-source_tokens = Source system tokens (ingestion API)
admin-source_tokens_intro = CRM, billing, HR and marketing systems push what they hold to /api/ingest/v1 with one of these tokens.
admin-col_source = Source system
admin-col_entities = Entities it may write
admin-all_entities = all entities
admin-source_hint = Lower-case letters, digits and hyphens, e.g. crm or hr-payroll.
admin-entities_hint = Tick none to let it write for every entity.
admin-create_source_token = Create source token
admin-error_source = Name the source system with lower-case letters, digits and hyphens.
admin-set_webhook = Set webhook
admin-secret_once = Copy it now; it is not shown again:
admin-staff_added = Staff member added. They sign in with a code by e-mail and an authenticator app.
admin-role_changed = Role changed; their sessions ended, the new role applies at their next sign-in.
admin-staff_disabled = Staff member disabled; their sessions ended.
admin-processor_invited = Invitation sent.
admin-processor_disabled = Processor user disabled; their sessions ended.
admin-token_created = Token created.
admin-token_revoked = Token revoked.
admin-webhook_set = Webhook set.
admin-webhook_removed = Webhook removed.
admin-error_invalid = That could not be done; nothing was changed.
admin-error_email = Enter a valid e-mail address.
admin-error_name = Enter a name (at most 200 characters).
admin-error_role = Choose one of the roles.
admin-error_recipient = Choose one of the recipients.
admin-error_label = Enter a label (at most 100 characters).
admin-error_unknown = Not found; nothing was changed.
admin-error_self = You cannot change or disable your own account here.
admin-error_url = The URL must be https:// (http:// only on this machine) and not point to a private or link-local address.
admin-error_federated = The role of a staff member from the identity provider comes from the provider.
admin-error_exists = That address is in use already; nothing was changed.
oidc-no_staff_title = No staff access for this account
oidc-no_staff_text = The account you signed in with has no verified address or no staff role (agent, privacy officer or administrator) at the identity provider, or it is disabled here. Ask an administrator.
