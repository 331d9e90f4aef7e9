//! Organizations, their members and projects.

use super::{is_unique_violation, new_id, now_ms};
use crate::model::organization::{OrgMember, OrgRole, OrgSummary, ProjectSummary};
use sqlx::AnyPool;

/// A stored organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    /// Id.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
}

/// A stored project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    /// Id.
    pub id: String,
    /// Its organization's id.
    pub organization_id: String,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The slug is taken.
    #[error("slug taken")]
    SlugTaken,
    /// The user is already a member.
    #[error("already a member")]
    AlreadyMember,
    /// The user is not a member.
    #[error("not a member")]
    NotMember,
    /// The change would leave the organization without an admin.
    #[error("last admin")]
    LastAdmin,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates an organization with `admin_id` as its first admin.
pub async fn create(
    pool: &AnyPool,
    slug: &str,
    name: &str,
    admin_id: &str,
) -> Result<OrgRecord, ChangeError> {
    let id = new_id("org");
    let now = now_ms();
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(&id)
    .bind(slug)
    .bind(name)
    .bind(now)
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        return Err(if is_unique_violation(&e, "organizations_slug_key") {
            ChangeError::SlugTaken
        } else {
            e.into()
        });
    }
    sqlx::query(
        "INSERT INTO organization_members (organization_id, user_id, role, created_at) VALUES ($1, $2, 'admin', $3)",
    )
    .bind(&id)
    .bind(admin_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    super::audit::record(
        &mut *tx,
        super::audit::Entry::new(Some(admin_id), "organization.created", "organization", &id)
            .with(serde_json::json!({ "slug": slug, "name": name }))
            .for_organization(&id),
    )
    .await?;
    tx.commit().await?;
    Ok(OrgRecord {
        id,
        slug: slug.to_string(),
        name: name.to_string(),
    })
}

/// The organization with `slug`.
pub async fn find_by_slug(pool: &AnyPool, slug: &str) -> Result<Option<OrgRecord>, sqlx::Error> {
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT id, slug, name FROM organizations WHERE slug = $1")
            .bind(slug)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id, slug, name)| OrgRecord { id, slug, name }))
}

/// The organizations `user_id` belongs to, by name.
pub async fn for_user(pool: &AnyPool, user_id: &str) -> Result<Vec<OrgSummary>, sqlx::Error> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT o.slug, o.name, m.role, (SELECT COUNT(*) FROM projects p WHERE p.organization_id = o.id) \
         FROM organization_members m JOIN organizations o ON o.id = m.organization_id \
         WHERE m.user_id = $1 ORDER BY o.name, o.slug",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, name, role, projects)| OrgSummary {
            slug,
            name,
            role: OrgRole::parse(&role).unwrap_or(OrgRole::Member),
            projects: projects.max(0) as u64,
        })
        .collect())
}

/// The role of `user_id` in the organization, if a member.
pub async fn role_of(
    pool: &AnyPool,
    organization_id: &str,
    user_id: &str,
) -> Result<Option<OrgRole>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT role FROM organization_members WHERE organization_id = $1 AND user_id = $2",
    )
    .bind(organization_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(r,)| OrgRole::parse(&r).ok()))
}

/// Members, admins first, then by name.
pub async fn members(pool: &AnyPool, organization_id: &str) -> Result<Vec<OrgMember>, sqlx::Error> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.display_name, u.email, m.role FROM organization_members m JOIN users u ON u.id = m.user_id \
         WHERE m.organization_id = $1 ORDER BY CASE m.role WHEN 'admin' THEN 0 ELSE 1 END, u.display_name, u.email",
    )
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(display_name, email, role)| OrgMember {
            display_name,
            email,
            role: OrgRole::parse(&role).unwrap_or(OrgRole::Member),
        })
        .collect())
}

/// Adds `user_id` with `role`.
pub async fn add_member(
    pool: &AnyPool,
    org: &OrgRecord,
    user_id: &str,
    role: OrgRole,
    actor_id: &str,
) -> Result<(), ChangeError> {
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO organization_members (organization_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&org.id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        return Err(if is_unique_violation(&e, "organization_members_pkey") {
            ChangeError::AlreadyMember
        } else {
            e.into()
        });
    }
    super::audit::record(
        &mut *tx,
        super::audit::Entry::new(Some(actor_id), "organization.member_added", "user", user_id)
            .with(serde_json::json!({ "organization": org.slug, "role": role.as_str() }))
            .for_organization(&org.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes `user_id`, unless it is the last admin.
pub async fn remove_member(
    pool: &AnyPool,
    org: &OrgRecord,
    user_id: &str,
    actor_id: &str,
) -> Result<(), ChangeError> {
    let mut tx = pool.begin().await?;
    // Lock the organization's membership rows in a stable order (PostgreSQL); SQLite has one writer.
    sqlx::query("UPDATE organizations SET updated_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(&org.id)
        .execute(&mut *tx)
        .await?;
    let role: Option<(String,)> = sqlx::query_as(
        "SELECT role FROM organization_members WHERE organization_id = $1 AND user_id = $2",
    )
    .bind(&org.id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((role,)) = role else {
        return Err(ChangeError::NotMember);
    };
    if role == "admin" {
        let (admins,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM organization_members WHERE organization_id = $1 AND role = 'admin'",
        )
        .bind(&org.id)
        .fetch_one(&mut *tx)
        .await?;
        if admins <= 1 {
            return Err(ChangeError::LastAdmin);
        }
    }
    sqlx::query("DELETE FROM organization_members WHERE organization_id = $1 AND user_id = $2")
        .bind(&org.id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    super::audit::record(
        &mut *tx,
        super::audit::Entry::new(
            Some(actor_id),
            "organization.member_removed",
            "user",
            user_id,
        )
        .with(serde_json::json!({ "organization": org.slug }))
        .for_organization(&org.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a project.
pub async fn create_project(
    pool: &AnyPool,
    org: &OrgRecord,
    slug: &str,
    name: &str,
    actor_id: &str,
) -> Result<ProjectRecord, ChangeError> {
    let id = new_id("prj");
    let now = now_ms();
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO projects (id, organization_id, slug, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&id)
    .bind(&org.id)
    .bind(slug)
    .bind(name)
    .bind(now)
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        return Err(
            if is_unique_violation(&e, "projects_organization_slug_key") {
                ChangeError::SlugTaken
            } else {
                e.into()
            },
        );
    }
    super::audit::record(
        &mut *tx,
        super::audit::Entry::new(Some(actor_id), "project.created", "project", &id)
            .with(serde_json::json!({ "organization": org.slug, "slug": slug, "name": name }))
            .for_organization(&org.id),
    )
    .await?;
    tx.commit().await?;
    Ok(ProjectRecord {
        id,
        organization_id: org.id.clone(),
        slug: slug.to_string(),
        name: name.to_string(),
    })
}

/// The project `slug` of the organization.
pub async fn find_project(
    pool: &AnyPool,
    organization_id: &str,
    slug: &str,
) -> Result<Option<ProjectRecord>, sqlx::Error> {
    let row: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT id, organization_id, slug, name FROM projects WHERE organization_id = $1 AND slug = $2",
    )
    .bind(organization_id)
    .bind(slug)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id, organization_id, slug, name)| ProjectRecord {
        id,
        organization_id,
        slug,
        name,
    }))
}

/// An organization by id.
pub async fn find_by_id(pool: &AnyPool, id: &str) -> Result<Option<OrgRecord>, sqlx::Error> {
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT id, slug, name FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id, slug, name)| OrgRecord { id, slug, name }))
}

/// A project by id.
pub async fn project_by_id(pool: &AnyPool, id: &str) -> Result<Option<ProjectRecord>, sqlx::Error> {
    let row: Option<(String, String, String, String)> =
        sqlx::query_as("SELECT id, organization_id, slug, name FROM projects WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id, organization_id, slug, name)| ProjectRecord {
        id,
        organization_id,
        slug,
        name,
    }))
}

/// Projects of the organization, by name.
pub async fn projects(
    pool: &AnyPool,
    organization_id: &str,
) -> Result<Vec<ProjectSummary>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT slug, name FROM projects WHERE organization_id = $1 ORDER BY name, slug",
    )
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, name)| ProjectSummary { slug, name })
        .collect())
}

/// Deletes an organization with its projects, members, secrets and data key: its ciphertexts,
/// wherever copies of them survive (backups), can no longer be opened.
pub async fn delete(pool: &AnyPool, org: &OrgRecord, actor_id: &str) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Its active installations stop counting in the catalog.
    let installed: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT extension_id FROM installations WHERE organization_id = $1 AND status = 'active'",
    )
    .bind(&org.id)
    .fetch_all(&mut *tx)
    .await?;
    for table in [
        "secrets",
        "data_keys",
        "installations",
        "extension_configs",
        "projects",
        "organization_members",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE organization_id = $1"))
            .bind(&org.id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM organizations WHERE id = $1")
        .bind(&org.id)
        .execute(&mut *tx)
        .await?;
    for (extension_id,) in &installed {
        super::catalog::refresh(&mut tx, extension_id).await?;
    }
    super::audit::record(
        &mut *tx,
        super::audit::Entry::new(
            Some(actor_id),
            "organization.deleted",
            "organization",
            &org.id,
        )
        .with(serde_json::json!({ "slug": org.slug })),
    )
    .await?;
    tx.commit().await
}
