//! Staff members: local accounts (created by the CLI, signing in with an e-mailed code
//! and an authenticator app) and members of a staff identity provider (their role comes
//! from a claim at every sign-in).

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::db::schema::staff_users;
use crate::db::{DbConnection, DbError, to_db};
use crate::domain::EmailAddress;
use crate::domain::ids::PublicId;
use crate::domain::staff::StaffRole;

/// A staff member.
#[derive(Debug, Clone)]
pub struct StaffUser {
    /// Row id.
    pub id: i64,
    /// Public id (audit events, the person's "who looked" page).
    pub public_id: String,
    /// Address.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role.
    pub role: StaffRole,
    /// Signs in at the staff identity provider (not with codes).
    pub federated: bool,
    /// Disabled members cannot sign in.
    pub disabled: bool,
}

type Row = (i64, String, String, String, String, Option<String>, Option<time::PrimitiveDateTime>);

fn user(row: Row) -> Result<StaffUser, DbError> {
    let (id, public_id, email, display_name, role, issuer, disabled) = row;
    Ok(StaffUser {
        id,
        public_id,
        email,
        display_name,
        role: role.parse().map_err(|e| DbError::Rejected(format!("stored staff role: {e}")))?,
        federated: issuer.is_some(),
        disabled: disabled.is_some(),
    })
}

macro_rules! columns {
    () => {
        (
            staff_users::id,
            staff_users::public_id,
            staff_users::email,
            staff_users::display_name,
            staff_users::role,
            staff_users::oidc_issuer,
            staff_users::disabled_at,
        )
    };
}

/// Whether any active admin exists (the bootstrap command works only while none does).
pub fn has_admin(conn: &mut DbConnection) -> Result<bool, DbError> {
    let n: i64 = staff_users::table
        .filter(staff_users::role.eq(StaffRole::Admin.as_str()))
        .filter(staff_users::disabled_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Creates a local account; Conflict if the address is taken.
pub fn create(
    conn: &mut DbConnection,
    email: &EmailAddress,
    name: &str,
    role: StaffRole,
    now: OffsetDateTime,
) -> Result<StaffUser, DbError> {
    let public_id = PublicId::new();
    let id: i64 = diesel::insert_into(staff_users::table)
        .values((
            staff_users::public_id.eq(public_id.as_str()),
            staff_users::email.eq(email.as_str()),
            staff_users::display_name.eq(name),
            staff_users::role.eq(role.as_str()),
            staff_users::created_at.eq(to_db(now)),
        ))
        .returning(staff_users::id)
        .get_result(conn)?;
    get(conn, id)
}

/// A member by row id.
pub fn get(conn: &mut DbConnection, id: i64) -> Result<StaffUser, DbError> {
    user(staff_users::table.find(id).select(columns!()).first(conn)?)
}

/// The active local account with this address (federated members sign in at their
/// provider, never with a code).
pub fn find_local_by_email(conn: &mut DbConnection, email: &EmailAddress) -> Result<Option<StaffUser>, DbError> {
    let row: Option<Row> = staff_users::table
        .filter(staff_users::email.eq(email.as_str()))
        .filter(staff_users::disabled_at.is_null())
        .filter(staff_users::oidc_issuer.is_null())
        .select(columns!())
        .first(conn)
        .optional()?;
    row.map(user).transpose()
}

/// The member known at `issuer` as `sub`, created or updated from the provider's
/// claims (address, name, role) at each sign-in. A disabled member stays disabled.
pub fn upsert_federated(
    conn: &mut DbConnection,
    issuer: &str,
    sub: &str,
    email: &EmailAddress,
    name: &str,
    role: StaffRole,
    now: OffsetDateTime,
) -> Result<StaffUser, DbError> {
    let existing: Option<i64> = staff_users::table
        .filter(staff_users::oidc_issuer.eq(issuer))
        .filter(staff_users::oidc_sub.eq(sub))
        .select(staff_users::id)
        .first(conn)
        .optional()?;
    let id = match existing {
        Some(id) => {
            diesel::update(staff_users::table.find(id))
                .set((
                    staff_users::email.eq(email.as_str()),
                    staff_users::display_name.eq(name),
                    staff_users::role.eq(role.as_str()),
                ))
                .execute(conn)?;
            id
        }
        None => diesel::insert_into(staff_users::table)
            .values((
                staff_users::public_id.eq(PublicId::new().as_str()),
                staff_users::email.eq(email.as_str()),
                staff_users::display_name.eq(name),
                staff_users::role.eq(role.as_str()),
                staff_users::oidc_issuer.eq(Some(issuer)),
                staff_users::oidc_sub.eq(Some(sub)),
                staff_users::created_at.eq(to_db(now)),
            ))
            .returning(staff_users::id)
            .get_result(conn)?,
    };
    get(conn, id)
}

/// Every member, by name.
pub fn list(conn: &mut DbConnection) -> Result<Vec<StaffUser>, DbError> {
    staff_users::table
        .order(staff_users::display_name)
        .select(columns!())
        .load::<Row>(conn)?
        .into_iter()
        .map(user)
        .collect()
}

/// Changes a local member's role.
pub fn set_role(conn: &mut DbConnection, id: i64, role: StaffRole) -> Result<bool, DbError> {
    Ok(diesel::update(staff_users::table.find(id).filter(staff_users::oidc_issuer.is_null()))
        .set(staff_users::role.eq(role.as_str()))
        .execute(conn)?
        == 1)
}

/// Disables (or re-enables) a member.
pub fn set_disabled(conn: &mut DbConnection, id: i64, disabled: bool, now: OffsetDateTime) -> Result<bool, DbError> {
    Ok(diesel::update(staff_users::table.find(id))
        .set(staff_users::disabled_at.eq(disabled.then_some(to_db(now))))
        .execute(conn)?
        == 1)
}
