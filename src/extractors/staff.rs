//! Staff at the HTTP edge: `CurrentStaff` (a signed-in staff member, with the check
//! for what their role allows) and `SubjectAccess` (whose data a page may show: the
//! signed-in person, or the person a staff member verified and is helping).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use super::session::load_session;
use crate::auth::session::SessionStage;
use crate::db::queries::sessions::SessionRecord;
use crate::db::queries::staff::{self, StaffUser};
use crate::db::queries::staff_actions::{self, NewStaffAction, StaffAction};
use crate::domain::audit::Actor;
use crate::domain::ids::SubjectId;
use crate::domain::staff::Permission;
use crate::error::AppError;
use crate::state::AppState;

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}

/// A signed-in staff member.
pub struct CurrentStaff {
    /// Their session.
    pub session: SessionRecord,
    /// Who.
    pub user: StaffUser,
}

impl CurrentStaff {
    /// Refuses (403) unless the role allows `p`.
    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.user.role.may(p) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// The audit actor.
    pub fn actor(&self) -> Actor {
        Actor::Staff(self.user.public_id.clone())
    }
}

/// The staff member a session belongs to, if it is a complete staff session.
pub async fn staff_of(state: &AppState, session: &SessionRecord) -> Result<StaffUser, AppError> {
    let Some(id) = session.staff_user_id.filter(|_| session.stage == SessionStage::Complete) else {
        return Err(AppError::StaffSignInRequired);
    };
    let user = state.db.run(move |c| staff::get(c, id)).await?;
    if user.disabled {
        return Err(AppError::StaffSignInRequired);
    }
    Ok(user)
}

impl FromRequest for CurrentStaff {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = load_session(&req).await?.ok_or(AppError::StaffSignInRequired)?;
            let state = app_state(&req)?;
            let user = staff_of(&state, &session).await?;
            Ok(CurrentStaff { session, user })
        })
    }
}

/// Whose data a request may read or change.
pub struct SubjectAccess {
    /// The session.
    pub session: SessionRecord,
    /// The person.
    pub subject_id: SubjectId,
    /// The staff member acting for them, in an assisted session.
    pub assisted_by: Option<StaffUser>,
}

impl SubjectAccess {
    /// Who acts, for the audit trail and consent events.
    pub fn actor(&self) -> Actor {
        match &self.assisted_by {
            Some(staff) => Actor::Staff(staff.public_id.clone()),
            None => Actor::Subject(self.subject_id.0),
        }
    }

    /// Resolves a session: the person themselves, or a staff member whose assisted
    /// session for a person is still running. A staff member without one is refused
    /// (403); one whose assisted session ended is told so, and nothing happens.
    pub async fn of_session(state: &AppState, session: SessionRecord, next: &str) -> Result<SubjectAccess, AppError> {
        if session.stage != SessionStage::Complete {
            return Err(AppError::SignInRequired { next: next.to_owned() });
        }
        if let Some(subject_id) = session.subject_id {
            return Ok(SubjectAccess { session, subject_id, assisted_by: None });
        }
        if session.staff_user_id.is_none() {
            return Err(AppError::SignInRequired { next: next.to_owned() });
        }
        let staff = staff_of(state, &session).await?;
        if !staff.role.may(Permission::ActForCaller) {
            return Err(AppError::Forbidden);
        }
        match session.acting_for {
            Some((subject_id, until)) if until > state.clock.now() => {
                Ok(SubjectAccess { session, subject_id, assisted_by: Some(staff) })
            }
            Some(_) => Err(AppError::AssistEnded),
            None => Err(AppError::Forbidden),
        }
    }

    /// Records that the staff member looked at `what` (for the person's "who looked at
    /// my data" page). Nothing for the person themselves.
    pub async fn record_view(&self, state: &AppState, what: &str) -> Result<(), AppError> {
        let Some(staff) = &self.assisted_by else { return Ok(()) };
        let (staff_user, public_id, subject) = (staff.id, staff.public_id.clone(), self.subject_id);
        let (what, now) = (what.to_owned(), state.clock.now());
        state
            .db
            .transaction(move |c| {
                staff_actions::record(
                    c,
                    NewStaffAction {
                        staff_user,
                        staff_public_id: &public_id,
                        subject,
                        action: StaffAction::Viewed,
                        channel: "phone",
                        detail: &what,
                        reason: "",
                        now,
                    },
                )
            })
            .await?;
        Ok(())
    }
}

impl FromRequest for SubjectAccess {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let path = req.path().to_owned();
            let session = load_session(&req).await?.ok_or_else(|| AppError::SignInRequired { next: path.clone() })?;
            let state = app_state(&req)?;
            let access = SubjectAccess::of_session(&state, session, &path).await?;
            // A staff member's every look at a person's data is on the person's record.
            if req.method() == actix_web::http::Method::GET {
                access.record_view(&state, &path).await?;
            }
            Ok(access)
        })
    }
}
