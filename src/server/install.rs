//! Installing extensions into projects (SPEC §4, §7): which versions may be installed, consent,
//! the setup wizard's steps and their values, the test ping, finishing, enabling, disabling and
//! uninstalling. Server fns call these after checking the caller's role.

use crate::error::AppError;
use crate::model::extension::{latest, VersionState};
use crate::model::installation::{
    describe_permission, InstallStatus, InstallationDetail, SecretState, SettingValue, ShownOnce,
    StepHead, TestOutcome, WizardPage,
};
use crate::model::manifest::settings::{Setting, SettingScope, SettingType};
use crate::model::manifest::wizard::{interpolate, is_shown, validate_values, wizards, WizardStep};
use crate::model::manifest::{Manifest, StepKind};
use crate::server::db::extensions::{self, ExtensionRecord};
use crate::server::db::installations::{self, InstallationRecord, NewInstallation};
use crate::server::db::organizations::{self, OrgRecord, ProjectRecord};
use crate::server::db::{audit, catalog, new_id, now_ms};
use crate::server::packages::docs::render_markdown;
use crate::server::secrets::{Purpose, Scope};
use crate::server::state::AppState;
use crate::server::{delivery, signing};
use base64::Engine as _;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;

/// The secret store key of an installation's generated signing secret.
pub const SIGNING_SECRET_KEY: &str = "KIKET_SIGNING_SECRET";
/// The secret store key of the signing secret a rotation replaced (it signs for a day more).
pub const PREVIOUS_SIGNING_SECRET_KEY: &str = "KIKET_PREVIOUS_SIGNING_SECRET";
/// The prefix of runtime tokens.
pub const RUNTIME_TOKEN_PREFIX: &str = "kkr_";
/// How long the test step waits for the extension by default.
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// An extension version that may be installed now, with its manifest.
pub struct Installable {
    /// The extension.
    pub extension: ExtensionRecord,
    /// The version.
    pub version: String,
    /// Its manifest.
    pub manifest: Manifest,
}

/// The version of `key` to install: `version` when given, else the latest. Yanked and revoked
/// versions, unpublished ones, suspended publishers' extensions and deprecated extensions past
/// their deadline are refused with the reason.
pub async fn installable(
    state: &AppState,
    key: &str,
    version: Option<&str>,
) -> Result<Installable, AppError> {
    let pool = &state.db.pool;
    let not_found = || AppError::NotFound("No such extension.".into());
    let extension = extensions::find_by_key(pool, key)
        .await?
        .ok_or_else(not_found)?;
    // Listed: published, publisher not suspended.
    if catalog::card(pool, key).await?.is_none() {
        return Err(not_found());
    }
    if let Some(d) = &extension.deprecation {
        if d.refuses_installs(now_ms()) {
            return Err(AppError::Conflict(format!(
                "{} is deprecated and no longer accepts new installs: {}{}",
                extension.name,
                d.reason,
                d.replacement
                    .as_ref()
                    .map(|r| format!(" Use {r} instead."))
                    .unwrap_or_default()
            )));
        }
    }
    let versions = extensions::versions_of(pool, &extension.id).await?;
    let chosen = match version.map(str::trim).filter(|v| !v.is_empty()) {
        None => latest(&versions).ok_or_else(|| {
            AppError::Conflict("This extension has no installable version.".into())
        })?,
        Some(v) => {
            let found = versions
                .iter()
                .find(|s| s.version == v)
                .filter(|s| s.state == VersionState::Published)
                .ok_or_else(|| AppError::NotFound(format!("Version {v} is not published.")))?;
            if found.revoked {
                return Err(AppError::Conflict(format!(
                    "Version {v} was revoked by the marketplace and cannot be installed."
                )));
            }
            if found.yanked {
                return Err(AppError::Conflict(format!(
                    "Version {v} was yanked by its publisher and cannot be installed."
                )));
            }
            found
        }
    };
    let record = extensions::find_version(pool, &extension.id, &chosen.version)
        .await?
        .ok_or_else(not_found)?;
    let manifest = record.manifest.ok_or_else(|| {
        tracing::error!(key, version = %chosen.version, "published version without a manifest");
        AppError::Internal
    })?;
    Ok(Installable {
        version: chosen.version.clone(),
        extension,
        manifest,
    })
}

/// A step of a setup, with the wizard it belongs to.
#[derive(Debug, Clone)]
pub struct PlannedStep {
    /// Organization-level or project.
    pub scope: SettingScope,
    /// The step.
    pub step: WizardStep,
}

/// The steps of a setup: the organization-level wizard first when `with_org` (the organization
/// has not configured the extension yet), then the project wizard.
pub fn plan(manifest: &Manifest, with_org: bool) -> Vec<PlannedStep> {
    let w = wizards(manifest);
    let mut steps = Vec::new();
    if with_org {
        steps.extend(w.organization.steps.into_iter().map(|step| PlannedStep {
            scope: SettingScope::Extension,
            step,
        }));
    }
    steps.extend(w.project.steps.into_iter().map(|step| PlannedStep {
        scope: SettingScope::Installation,
        step,
    }));
    steps
}

/// Defaults of the non-secret settings of `scope`.
fn defaults(manifest: &Manifest, scope: SettingScope) -> BTreeMap<String, String> {
    manifest
        .settings
        .iter()
        .filter(|s| s.scope == scope && !s.secret)
        .filter_map(|s| s.default.clone().map(|d| (s.key.clone(), d)))
        .collect()
}

/// Creates the installation (in setup) after the admin's consent, and audits it.
pub async fn begin(
    state: &AppState,
    actor_id: &str,
    org: &OrgRecord,
    project: &ProjectRecord,
    item: &Installable,
) -> Result<InstallationRecord, AppError> {
    let mut tx = state.db.pool.begin().await?;
    let settings = defaults(&item.manifest, SettingScope::Installation);
    let record = installations::create(
        &mut tx,
        NewInstallation {
            organization_id: &org.id,
            project_id: &project.id,
            extension_id: &item.extension.id,
            version: &item.version,
            settings: &settings,
            permissions: &item.manifest.permissions,
            actor_id,
        },
    )
    .await
    .map_err(|e| match e {
        installations::CreateError::AlreadyInstalled => AppError::Conflict(format!(
            "{} is already installed in {}.",
            item.extension.name, project.name
        )),
        installations::CreateError::Db(e) => e.into(),
    })?;
    audit::record(
        &mut *tx,
        audit::Entry::new(
            Some(actor_id),
            "installation.created",
            "installation",
            &record.id,
        )
        .with(serde_json::json!({
            "extension": item.extension.key,
            "version": item.version,
            "project": project.slug,
            "permissions": item.manifest.permissions,
        }))
        .for_organization(&org.id),
    )
    .await?;
    tx.commit().await?;
    // A generated signing secret, unless the manifest names a setting that holds it.
    if item.manifest.signing_secret_setting.is_none() {
        state
            .secrets
            .set(
                &state.db.pool,
                &org.id,
                &Scope::installation(&record.id),
                SIGNING_SECRET_KEY,
                &SecretString::from(signing::generate_secret()),
                actor_id,
            )
            .await
            .map_err(AppError::from)?;
    }
    Ok(record)
}

/// Everything a setup page or action needs about one installation.
pub struct Setup {
    /// The installation.
    pub installation: InstallationRecord,
    /// Its organization.
    pub org: OrgRecord,
    /// Its project.
    pub project: ProjectRecord,
    /// Its extension.
    pub extension: ExtensionRecord,
    /// The pinned version's manifest.
    pub manifest: Manifest,
    /// Extension-scope values of the organization.
    pub org_values: BTreeMap<String, String>,
    /// Whether the organization-level wizard was finished before this setup began.
    pub org_configured: bool,
    /// The steps of this setup.
    pub steps: Vec<PlannedStep>,
    /// The pinned version's revocation reason, when revoked.
    pub revoked_reason: Option<String>,
}

impl Setup {
    /// Non-secret values of both scopes (installation values win on a clash).
    pub fn values(&self) -> BTreeMap<String, String> {
        let mut all = self.org_values.clone();
        all.extend(self.installation.settings.clone());
        all
    }

    /// Where the value of `setting` is stored.
    pub fn scope_of(&self, setting: &Setting) -> Scope {
        match setting.scope {
            SettingScope::Installation => Scope::installation(&self.installation.id),
            SettingScope::Extension => Scope::extension(&self.org.id, &self.extension.key),
        }
    }

    /// The secret scopes of this installation, most specific first.
    pub fn chain(&self) -> Vec<Scope> {
        vec![
            Scope::installation(&self.installation.id),
            Scope::extension(&self.org.id, &self.extension.key),
            Scope::project(&self.project.id),
            Scope::organization(&self.org.id),
        ]
    }

    /// Path of the installation page.
    pub fn path(&self) -> String {
        format!(
            "/orgs/{}/installations/{}",
            self.org.slug, self.installation.id
        )
    }
}

/// Loads installation `id` of `org` (anything else is "not found").
pub async fn load(state: &AppState, org: &OrgRecord, id: &str) -> Result<Setup, AppError> {
    let pool = &state.db.pool;
    let not_found = || AppError::NotFound("No such installation.".into());
    let installation = installations::find(pool, id)
        .await?
        .filter(|i| i.organization_id == org.id)
        .ok_or_else(not_found)?;
    let project = organizations::project_by_id(pool, &installation.project_id)
        .await?
        .ok_or_else(not_found)?;
    let extension = extensions::find_by_id(pool, &installation.extension_id)
        .await?
        .ok_or_else(not_found)?;
    let version = extensions::find_version(pool, &extension.id, &installation.version)
        .await?
        .ok_or_else(not_found)?;
    let manifest = version.manifest.ok_or(AppError::Internal)?;
    let (org_values, configured_at) =
        installations::extension_config(pool, &org.id, &extension.id).await?;
    // The organization-level steps belong to the setup that first configures them.
    let org_configured = configured_at.is_some_and(|at| {
        installation.status != InstallStatus::Setup || at < installation.created_at
    });
    // Re-configuring an installed extension offers the organization-wide settings too.
    let steps = plan(
        &manifest,
        !org_configured || installation.status != InstallStatus::Setup,
    );
    Ok(Setup {
        revoked_reason: version
            .review
            .revoke_reason
            .filter(|_| version.review.revoked_at.is_some()),
        installation,
        org: org.clone(),
        project,
        extension,
        manifest,
        org_values,
        org_configured,
        steps,
    })
}

/// Loads installation `id` whatever its organization (the runtime API, which authenticates the
/// installation itself).
pub async fn load_by_id(state: &AppState, id: &str) -> Result<Setup, AppError> {
    let not_found = || AppError::NotFound("No such installation.".into());
    let installation = installations::find(&state.db.pool, id)
        .await?
        .ok_or_else(not_found)?;
    let org = organizations::find_by_id(&state.db.pool, &installation.organization_id)
        .await?
        .ok_or_else(not_found)?;
    load(state, &org, id).await
}

/// Every secret the manifest declares, and whether each is set.
pub async fn declared_secret_states(
    state: &AppState,
    setup: &Setup,
) -> Result<Vec<SecretState>, AppError> {
    let all: Vec<&Setting> = setup.manifest.settings.iter().collect();
    secret_states_of(state, setup, &all).await
}

/// The stored secrets of `fields` in their scopes.
pub async fn secret_states_of(
    state: &AppState,
    setup: &Setup,
    fields: &[&Setting],
) -> Result<Vec<SecretState>, AppError> {
    let mut out = Vec::new();
    let mut lists: BTreeMap<String, Vec<crate::model::secret::SecretMeta>> = BTreeMap::new();
    for scope in setup.chain() {
        let list = state
            .secrets
            .list(&state.db.pool, &scope)
            .await
            .map_err(AppError::from)?;
        lists.insert(scope.kind.as_str().to_string(), list);
    }
    for field in fields.iter().filter(|f| f.secret) {
        let own = setup.scope_of(field).kind.as_str().to_string();
        // Its own scope first, then the rest of the chain.
        let mut order = vec![own.clone()];
        order.extend(
            ["installation", "extension", "project", "organization"]
                .iter()
                .map(|s| s.to_string())
                .filter(|s| *s != own),
        );
        let found = order.iter().find_map(|kind| {
            lists
                .get(kind)
                .and_then(|l| l.iter().find(|m| m.key == field.key))
                .map(|m| (kind.clone(), m.clone()))
        });
        out.push(SecretState {
            key: field.key.clone(),
            label: field.label.clone(),
            scope: field.scope,
            resolved_from: found.as_ref().map(|(k, _)| k.clone()),
            updated_at: found.as_ref().map(|(_, m)| m.updated_at),
            updated_by: found.and_then(|(_, m)| m.updated_by),
            required: field.required,
        });
    }
    Ok(out)
}

/// The page of step `index` of a setup.
pub async fn page(
    state: &AppState,
    setup: &Setup,
    index: usize,
    test: Option<TestOutcome>,
) -> Result<WizardPage, AppError> {
    let planned = setup
        .steps
        .get(index)
        .ok_or_else(|| AppError::NotFound("This setup has no such step.".into()))?;
    let values = setup.values();
    let fields: Vec<&Setting> = planned.step.fields.iter().collect();
    let secrets = secret_states_of(state, setup, &fields).await?;
    let content_html = planned
        .step
        .content
        .as_ref()
        .map(|c| render_markdown(&interpolate(c, &setup.manifest.settings, &values)));
    Ok(WizardPage {
        installation: setup.installation.id.clone(),
        org: (setup.org.slug.clone(), setup.org.name.clone()),
        project: (setup.project.slug.clone(), setup.project.name.clone()),
        extension: (setup.extension.key.clone(), setup.extension.name.clone()),
        version: setup.installation.version.clone(),
        steps: setup
            .steps
            .iter()
            .map(|s| StepHead {
                title: s.step.title.clone(),
                scope: s.scope,
            })
            .collect(),
        index,
        step: with_projects(state, setup, &planned.step).await?,
        scope: planned.scope,
        values,
        secrets,
        content_html,
        reconfigure: setup.installation.status != InstallStatus::Setup,
        test,
        labels: setup
            .manifest
            .settings
            .iter()
            .map(|s| (s.key.clone(), s.label.clone()))
            .collect(),
    })
}

/// `step` with the organization's projects as the choices of its `project` settings.
async fn with_projects(
    state: &AppState,
    setup: &Setup,
    step: &WizardStep,
) -> Result<WizardStep, AppError> {
    let mut step = step.clone();
    if step.fields.iter().any(|f| f.kind == SettingType::Project) {
        let projects = organizations::projects(&state.db.pool, &setup.org.id).await?;
        for f in step
            .fields
            .iter_mut()
            .filter(|f| f.kind == SettingType::Project)
        {
            f.options = projects
                .iter()
                .map(|p| crate::model::manifest::settings::SelectOption {
                    value: p.slug.clone(),
                    label: p.name.clone(),
                })
                .collect();
        }
    }
    Ok(step)
}

/// Where the wizard goes after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// Validate and save, then the next step.
    Next,
    /// Keep what was typed (unchecked), then the previous step.
    Back,
    /// Leave a skippable step as it is.
    Skip,
}

impl Nav {
    /// Parses the posted button.
    pub fn parse(s: &str) -> Self {
        match s {
            "back" => Self::Back,
            "skip" => Self::Skip,
            _ => Self::Next,
        }
    }
}

/// What a step's submission led to.
#[derive(Debug)]
pub enum Moved {
    /// Show this step.
    To(usize),
    /// The setup is finished.
    Finished,
}

/// The values a step posted: text fields, and the ticked options of multiselects.
#[derive(Debug, Default)]
pub struct Posted {
    /// `values[KEY]`.
    pub values: BTreeMap<String, String>,
    /// `multi[KEY][i]`.
    pub multi: BTreeMap<String, BTreeMap<String, String>>,
}

impl Posted {
    /// The value of a non-secret field as stored: booleans absent mean false, multiselects join
    /// their options with commas.
    fn value_of(&self, field: &Setting) -> String {
        match field.kind {
            SettingType::Boolean => {
                if self.values.get(&field.key).is_some_and(|v| v == "true") {
                    "true".into()
                } else {
                    "false".into()
                }
            }
            SettingType::Multiselect => {
                let ticked: Vec<&String> = self
                    .multi
                    .get(&field.key)
                    .map(|m| m.values().collect())
                    .unwrap_or_default();
                // In the manifest's order.
                field
                    .options
                    .iter()
                    .filter(|o| ticked.contains(&&o.value))
                    .map(|o| o.value.clone())
                    .collect::<Vec<_>>()
                    .join(",")
            }
            _ => self
                .values
                .get(&field.key)
                .map(|v| v.trim().to_string())
                .unwrap_or_default(),
        }
    }
}

/// The non-secret values `posted` for step `index`, as typed (kept to show them again after a
/// refused plain form post; secrets are never kept).
pub fn typed_values(setup: &Setup, index: usize, posted: &Posted) -> Vec<(String, String)> {
    setup
        .steps
        .get(index)
        .map(|p| {
            p.step
                .fields
                .iter()
                .filter(|f| !f.secret)
                .map(|f| (f.key.clone(), posted.value_of(f)))
                .collect()
        })
        .unwrap_or_default()
}

/// `bytes` random bytes as URL-safe base64 (tokens, generated secrets).
pub fn random_secret(bytes: u32) -> String {
    let mut buf = vec![0u8; bytes.clamp(8, 512) as usize];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Saves step `index` of a setup and moves on. Secret values go straight into the secret store;
/// non-secret ones into the installation or the organization's extension settings.
pub async fn submit(
    state: &AppState,
    actor_id: &str,
    setup: &Setup,
    index: usize,
    posted: &Posted,
    nav: Nav,
) -> Result<Moved, AppError> {
    if setup.installation.status == InstallStatus::Uninstalled {
        return Err(AppError::Conflict(
            "This installation was uninstalled.".into(),
        ));
    }
    let planned = setup
        .steps
        .get(index)
        .ok_or_else(|| AppError::NotFound("This setup has no such step.".into()))?;
    let step = &planned.step;
    let mut values = setup.values();
    for f in step.fields.iter().filter(|f| !f.secret) {
        values.insert(f.key.clone(), posted.value_of(f));
    }
    let next = |i: usize| {
        if i + 1 >= setup.steps.len() {
            Moved::Finished
        } else {
            Moved::To(i + 1)
        }
    };
    match nav {
        Nav::Back => {
            // What was typed is kept, unchecked; secrets are never kept unchecked.
            save_values(
                state,
                actor_id,
                setup,
                planned.scope,
                step,
                &values,
                index as i64,
                false,
            )
            .await?;
            return Ok(Moved::To(index.saturating_sub(1)));
        }
        Nav::Skip => {
            if !step.skippable {
                return Err(AppError::field("form", "This step cannot be skipped."));
            }
            if next(index).is_finished() {
                finish_setup(state, actor_id, setup).await?;
            }
            return Ok(next(index));
        }
        Nav::Next => {}
    }
    // Secrets already stored count as entered.
    let fields: Vec<&Setting> = step.fields.iter().collect();
    let stored = secret_states_of(state, setup, &fields).await?;
    let mut check = values.clone();
    for f in step.fields.iter().filter(|f| f.secret) {
        let typed = posted.values.get(&f.key).map(|v| v.trim()).unwrap_or("");
        let has = !typed.is_empty()
            || stored
                .iter()
                .any(|s| s.key == f.key && s.resolved_from.is_some());
        check.insert(
            f.key.clone(),
            if typed.is_empty() && has {
                "stored".into()
            } else {
                typed.to_string()
            },
        );
    }
    let mut errors = validate_values(&step.fields, &check);
    // A project setting names one of this organization's projects.
    let projects = with_projects(state, setup, step).await?;
    for f in projects
        .fields
        .iter()
        .filter(|f| f.kind == SettingType::Project)
    {
        let v = check.get(&f.key).map(|v| v.trim()).unwrap_or("");
        if !v.is_empty() && is_shown(f, &check) && !f.options.iter().any(|o| o.value == v) {
            errors.insert(
                f.key.clone(),
                "Choose one of your organization's projects.".into(),
            );
        }
    }
    // A stored secret stands in as "stored": only typed values are checked by type.
    for f in step.fields.iter().filter(|f| f.secret) {
        if check.get(&f.key).map(String::as_str) == Some("stored") {
            if let Some(e) = errors.get(&f.key) {
                if !e.ends_with("is required.") {
                    errors.remove(&f.key);
                }
            }
        }
    }
    if step.kind == StepKind::Test && errors.is_empty() {
        let outcome = ping(state, setup, &values).await;
        if !outcome.ok {
            return Err(test_failure(outcome));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Fields(errors));
    }
    for f in step
        .fields
        .iter()
        .filter(|f| f.secret && is_shown(f, &values))
    {
        let typed = posted.values.get(&f.key).map(|v| v.trim()).unwrap_or("");
        let value = if !typed.is_empty() {
            Some(typed.to_string())
        } else {
            let own_set = stored
                .iter()
                .any(|s| s.key == f.key && s.resolved_from.is_some());
            f.auto_generate.filter(|_| !own_set).map(random_secret)
        };
        if let Some(v) = value {
            state
                .secrets
                .set(
                    &state.db.pool,
                    &setup.org.id,
                    &setup.scope_of(f),
                    &f.key,
                    &SecretString::from(v),
                    actor_id,
                )
                .await
                .map_err(AppError::from)?;
        }
    }
    let finished = next(index).is_finished();
    save_values(
        state,
        actor_id,
        setup,
        planned.scope,
        step,
        &values,
        index as i64 + 1,
        finished,
    )
    .await?;
    if finished {
        finish_setup(state, actor_id, setup).await?;
    }
    Ok(next(index))
}

/// Finishes a setup that has no steps (nothing to ask).
pub async fn submit_empty(state: &AppState, actor_id: &str, setup: &Setup) -> Result<(), AppError> {
    finish_setup(state, actor_id, setup).await
}

impl Moved {
    fn is_finished(&self) -> bool {
        matches!(self, Moved::Finished)
    }
}

/// A failed test as an error: field messages from the extension, or one message above the form.
fn test_failure(outcome: TestOutcome) -> AppError {
    if outcome.field_errors.is_empty() {
        AppError::field("form", outcome.message)
    } else {
        AppError::Fields(outcome.field_errors)
    }
}

#[allow(clippy::too_many_arguments)]
async fn save_values(
    state: &AppState,
    actor_id: &str,
    setup: &Setup,
    scope: SettingScope,
    step: &WizardStep,
    values: &BTreeMap<String, String>,
    reached: i64,
    finished: bool,
) -> Result<(), AppError> {
    let mut tx = state.db.pool.begin().await?;
    let keys: Vec<&str> = step
        .fields
        .iter()
        .filter(|f| !f.secret)
        .map(|f| f.key.as_str())
        .collect();
    match scope {
        SettingScope::Installation => {
            let mut settings = setup.installation.settings.clone();
            for k in &keys {
                if let Some(v) = values.get(*k) {
                    settings.insert(k.to_string(), v.clone());
                }
            }
            installations::save_progress(&mut tx, &setup.installation.id, &settings, reached)
                .await?;
        }
        SettingScope::Extension => {
            let mut settings = setup.org_values.clone();
            for k in &keys {
                if let Some(v) = values.get(*k) {
                    settings.insert(k.to_string(), v.clone());
                }
            }
            // The organization-level wizard is done when its last step is.
            let org_done = finished
                || setup
                    .steps
                    .get(reached as usize)
                    .is_some_and(|s| s.scope == SettingScope::Installation);
            installations::save_extension_config(
                &mut tx,
                &setup.org.id,
                &setup.extension.id,
                &settings,
                org_done,
                actor_id,
            )
            .await?;
            installations::save_progress(
                &mut tx,
                &setup.installation.id,
                &setup.installation.settings,
                reached,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Marks the setup finished: the installation becomes active (or stays as it was when
/// re-configured), counts in the catalog, and the configuration is audited.
async fn finish_setup(state: &AppState, actor_id: &str, setup: &Setup) -> Result<(), AppError> {
    let mut tx = state.db.pool.begin().await?;
    installations::activate(&mut tx, &setup.installation.id, None).await?;
    if !setup.org_configured {
        installations::mark_extension_configured(
            &mut tx,
            &setup.org.id,
            &setup.extension.id,
            actor_id,
        )
        .await?;
    }
    let (action, event) = if setup.installation.status == InstallStatus::Setup {
        ("installation.installed", "extension.installed")
    } else {
        ("installation.configured", "extension.configured")
    };
    delivery::emit_lifecycle(
        &mut tx,
        setup,
        event,
        serde_json::json!({"version": setup.installation.version}),
        Some(actor_id),
    )
    .await?;
    audit::record(
        &mut *tx,
        audit::Entry::new(
            Some(actor_id),
            action,
            "installation",
            &setup.installation.id,
        )
        .with(serde_json::json!({
            "extension": setup.extension.key,
            "version": setup.installation.version,
            "project": setup.project.slug,
        }))
        .for_organization(&setup.org.id),
    )
    .await?;
    catalog::refresh(&mut tx, &setup.extension.id).await?;
    tx.commit().await?;
    state.wake_delivery();
    Ok(())
}

/// The URL the test step pings: the delivery URL, or the step's `check_endpoint` path under it.
pub fn ping_url(
    manifest: &Manifest,
    step_action: Option<&str>,
    values: &BTreeMap<String, String>,
) -> Option<String> {
    crate::server::delivery::handler_url(
        manifest,
        step_action.filter(|a| a.starts_with('/')),
        values,
    )
}

/// The signing secrets of an installation, current first: during the day after a rotation the
/// previous one signs as well.
pub async fn signing_secrets(
    state: &AppState,
    setup: &Setup,
    purpose: Purpose,
    actor_id: Option<&str>,
) -> Result<Vec<SecretString>, AppError> {
    let plan = delivery::plan_secrets(state, setup).await?.signing_only();
    let found = state
        .secrets
        .resolve_many(
            &state.db.pool,
            &setup.org.id,
            &setup.chain(),
            &plan.keys(),
            purpose,
            actor_id,
        )
        .await
        .map_err(AppError::from)?;
    Ok(plan.finish(found).signing)
}

/// Until when the previous signing secret of an installation still signs.
pub async fn previous_secret_until(state: &AppState, id: &str) -> Result<Option<i64>, AppError> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT previous_secret_until FROM installations WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.db.pool)
            .await?;
    Ok(row.and_then(|(u,)| u))
}

/// How long a rotated-out signing secret keeps signing.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 60 * 60 * 1000;

/// Replaces a generated signing secret. The old one keeps signing (a second signature) for a
/// day, so extensions can switch without losing a delivery; the new one is shown once.
pub async fn rotate_signing_secret(
    state: &AppState,
    actor_id: &str,
    setup: &Setup,
) -> Result<(), AppError> {
    if let Some(setting) = &setup.manifest.signing_secret_setting {
        return Err(AppError::Conflict(format!(
            "This extension signs with the setting {setting}: change it through Re-configure."
        )));
    }
    if matches!(
        setup.installation.status,
        InstallStatus::Setup | InstallStatus::Uninstalled
    ) {
        return Err(AppError::Conflict(
            "Only an installed extension's signing secret can be rotated.".into(),
        ));
    }
    let pool = &state.db.pool;
    let scope = Scope::installation(&setup.installation.id);
    let current = state
        .secrets
        .reveal(
            pool,
            &setup.org.id,
            &scope,
            SIGNING_SECRET_KEY,
            Purpose::Rotation,
            Some(actor_id),
        )
        .await
        .map_err(AppError::from)?;
    if let Some(current) = current {
        state
            .secrets
            .set(
                pool,
                &setup.org.id,
                &scope,
                PREVIOUS_SIGNING_SECRET_KEY,
                &current,
                actor_id,
            )
            .await
            .map_err(AppError::from)?;
    }
    state
        .secrets
        .set(
            pool,
            &setup.org.id,
            &scope,
            SIGNING_SECRET_KEY,
            &SecretString::from(signing::generate_secret()),
            actor_id,
        )
        .await
        .map_err(AppError::from)?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE installations SET previous_secret_until = $1, signing_secret_shown_at = NULL, updated_at = $2 \
         WHERE id = $3",
    )
    .bind(now_ms() + ROTATION_OVERLAP_MS)
    .bind(now_ms())
    .bind(&setup.installation.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        audit::Entry::new(
            Some(actor_id),
            "installation.signing_secret_rotated",
            "installation",
            &setup.installation.id,
        )
        .for_organization(&setup.org.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes the runtime token; a new one is shown once on the next visit of the done page.
pub async fn replace_runtime_token(
    state: &AppState,
    actor_id: &str,
    setup: &Setup,
) -> Result<(), AppError> {
    if matches!(
        setup.installation.status,
        InstallStatus::Setup | InstallStatus::Uninstalled
    ) {
        return Err(AppError::Conflict(
            "Only an installed extension gets a runtime token.".into(),
        ));
    }
    let mut tx = state.db.pool.begin().await?;
    sqlx::query(
        "UPDATE installations SET runtime_token_hash = NULL, updated_at = $1 WHERE id = $2",
    )
    .bind(now_ms())
    .bind(&setup.installation.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        audit::Entry::new(
            Some(actor_id),
            "installation.runtime_token_replaced",
            "installation",
            &setup.installation.id,
        )
        .for_organization(&setup.org.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends the extension a signed `extension.ping` with the non-secret values and the secret
/// status, and reads its verdict (SPEC §4).
pub async fn ping(
    state: &AppState,
    setup: &Setup,
    values: &BTreeMap<String, String>,
) -> TestOutcome {
    let fail = |message: String| TestOutcome {
        ok: false,
        message,
        field_errors: BTreeMap::new(),
    };
    let action = setup
        .steps
        .iter()
        .find(|s| s.step.kind == StepKind::Test)
        .and_then(|s| s.step.action.clone());
    let Some(url) = ping_url(&setup.manifest, action.as_deref(), values) else {
        return TestOutcome {
            ok: true,
            message: "This extension runs inside the platform: there is nothing to reach.".into(),
            field_errors: BTreeMap::new(),
        };
    };
    let all: Vec<&Setting> = setup.manifest.settings.iter().collect();
    let secret_status = match secret_states_of(state, setup, &all).await {
        Ok(s) => s,
        Err(e) => return fail(e.to_string()),
    };
    let missing: Vec<&str> = secret_status
        .iter()
        .filter(|s| s.resolved_from.is_none())
        .map(|s| s.key.as_str())
        .collect();
    let non_secret: BTreeMap<&String, &String> = values
        .iter()
        .filter(|(k, _)| {
            setup
                .manifest
                .settings
                .iter()
                .any(|s| &s.key == *k && !s.secret)
        })
        .collect();
    let secrets = match signing_secrets(state, setup, Purpose::WizardTest, None).await {
        Ok(s) => s,
        Err(e) => return fail(e.to_string()),
    };
    if secrets.is_empty() {
        return fail("The signing secret is not set yet: enter it in the earlier step.".into());
    }
    let now = time::OffsetDateTime::now_utc();
    let request = crate::server::delivery::build_request(
        setup,
        &crate::server::delivery::Resolved {
            secrets: BTreeMap::new(),
            missing: missing.iter().map(|k| k.to_string()).collect(),
            signing: secrets,
        },
        &crate::server::delivery::EventRef {
            id: &new_id("evt"),
            name: "extension.ping",
            occurred_at: now_ms(),
            data: serde_json::json!({"action": action.filter(|a| !a.starts_with('/')), "configuration": non_secret}),
        },
        &new_id("dlv"),
        &state.config.public_url,
        now,
    );
    let timeout = Duration::from_millis(
        setup
            .manifest
            .timeout_ms
            .map(u64::from)
            .unwrap_or(DEFAULT_TIMEOUT_MS),
    );
    match state
        .outbound
        .post_json(&url, &request.headers, request.body, timeout)
        .await
    {
        Err(e) => fail(format!("The test could not reach the extension: {e}.")),
        Ok(answer) => {
            let parsed: Option<serde_json::Value> = serde_json::from_slice(&answer.body).ok();
            let field_errors: BTreeMap<String, String> = parsed
                .as_ref()
                .and_then(|v| v.get("errors"))
                .and_then(|e| e.as_object())
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| v.to_string()),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let ok = (200..300).contains(&answer.status) && field_errors.is_empty();
            let step_message = setup
                .steps
                .iter()
                .find(|s| s.step.kind == StepKind::Test)
                .and_then(|s| s.step.success_message.clone());
            TestOutcome {
                ok,
                message: if ok {
                    step_message.unwrap_or_else(|| "The extension answered the test.".into())
                } else if !field_errors.is_empty() {
                    "The extension did not accept these settings.".into()
                } else {
                    format!(
                        "The extension answered the test with HTTP {}.",
                        answer.status
                    )
                },
                field_errors,
            }
        }
    }
}

/// Hash of a runtime token as stored.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The credentials of a finished installation that were never shown: a runtime token is created
/// now if it has none, and a generated signing secret is revealed the first time. Later calls
/// return nothing.
pub async fn reveal_once(
    state: &AppState,
    actor_id: &str,
    setup: &Setup,
) -> Result<ShownOnce, AppError> {
    if setup.installation.status == InstallStatus::Setup
        || setup.installation.status == InstallStatus::Uninstalled
    {
        return Ok(ShownOnce {
            signing_secret: None,
            runtime_token: None,
        });
    }
    let pool = &state.db.pool;
    let token = format!("{RUNTIME_TOKEN_PREFIX}{}", random_secret(32));
    let created = sqlx::query(
        "UPDATE installations SET runtime_token_hash = $1 WHERE id = $2 AND runtime_token_hash IS NULL",
    )
    .bind(token_hash(&token))
    .bind(&setup.installation.id)
    .execute(pool)
    .await?
    .rows_affected()
        > 0;
    let mut signing_secret = None;
    if setup.manifest.signing_secret_setting.is_none() {
        let first = sqlx::query(
            "UPDATE installations SET signing_secret_shown_at = $1 WHERE id = $2 AND signing_secret_shown_at IS NULL",
        )
        .bind(now_ms())
        .bind(&setup.installation.id)
        .execute(pool)
        .await?
        .rows_affected()
            > 0;
        if first {
            signing_secret = state
                .secrets
                .reveal(
                    pool,
                    &setup.org.id,
                    &Scope::installation(&setup.installation.id),
                    SIGNING_SECRET_KEY,
                    Purpose::ShownOnce,
                    Some(actor_id),
                )
                .await
                .map_err(AppError::from)?
                .map(|s| s.expose_secret().to_string());
        }
    }
    Ok(ShownOnce {
        signing_secret,
        runtime_token: created.then_some(token),
    })
}

/// Enables or disables an installation.
pub async fn set_enabled(
    state: &AppState,
    actor_id: &str,
    setup: &Setup,
    enabled: bool,
) -> Result<(), AppError> {
    let status = setup.installation.status;
    if matches!(status, InstallStatus::Setup | InstallStatus::Uninstalled) {
        return Err(AppError::Conflict(format!(
            "An installation that is {} cannot be {}.",
            status.label().to_lowercase(),
            if enabled { "enabled" } else { "disabled" }
        )));
    }
    if enabled && setup.revoked_reason.is_some() {
        return Err(AppError::Conflict(
            "Its version was revoked: upgrade or roll back to another version first.".into(),
        ));
    }
    let mut tx = state.db.pool.begin().await?;
    let (to, reason) = if enabled {
        (InstallStatus::Active, None)
    } else {
        (InstallStatus::Disabled, Some("Disabled by an admin."))
    };
    installations::set_status(&mut tx, &setup.installation.id, to, reason).await?;
    delivery::emit_lifecycle(
        &mut tx,
        setup,
        if enabled {
            "extension.enabled"
        } else {
            "extension.disabled"
        },
        serde_json::json!({"version": setup.installation.version}),
        Some(actor_id),
    )
    .await?;
    audit::record(
        &mut *tx,
        audit::Entry::new(
            Some(actor_id),
            if enabled {
                "installation.enabled"
            } else {
                "installation.disabled"
            },
            "installation",
            &setup.installation.id,
        )
        .for_organization(&setup.org.id),
    )
    .await?;
    catalog::refresh(&mut tx, &setup.extension.id).await?;
    tx.commit().await?;
    state.wake_delivery();
    Ok(())
}

/// Uninstalls: the installation's own secrets are deleted; the row stays, uninstalled.
pub async fn uninstall(state: &AppState, actor_id: &str, setup: &Setup) -> Result<u64, AppError> {
    if setup.installation.status == InstallStatus::Uninstalled {
        return Err(AppError::Conflict(
            "This installation is already uninstalled.".into(),
        ));
    }
    let mut tx = state.db.pool.begin().await?;
    installations::set_status(
        &mut tx,
        &setup.installation.id,
        InstallStatus::Uninstalled,
        None,
    )
    .await?;
    let farewell = delivery::emit_lifecycle(
        &mut tx,
        setup,
        "extension.uninstalled",
        serde_json::json!({"version": setup.installation.version}),
        Some(actor_id),
    )
    .await?;
    // The farewell delivery is signed with the installation's secret: it stays until nothing
    // is left to deliver (see `forget_uninstalled_secrets`).
    let keep: &[&str] = if farewell.deliveries > 0 {
        &[SIGNING_SECRET_KEY, PREVIOUS_SIGNING_SECRET_KEY]
    } else {
        &[]
    };
    let removed = state
        .secrets
        .clear_scope(
            &mut tx,
            &setup.org.id,
            &Scope::installation(&setup.installation.id),
            keep,
            Some(actor_id),
        )
        .await
        .map_err(AppError::from)?;
    audit::record(
        &mut *tx,
        audit::Entry::new(
            Some(actor_id),
            "installation.uninstalled",
            "installation",
            &setup.installation.id,
        )
        .with(serde_json::json!({
            "extension": setup.extension.key,
            "project": setup.project.slug,
            "secrets_deleted": removed,
        }))
        .for_organization(&setup.org.id),
    )
    .await?;
    catalog::refresh(&mut tx, &setup.extension.id).await?;
    tx.commit().await?;
    state.wake_delivery();
    Ok(removed)
}

/// Installs the latest version of `key` by running every wizard step with `values` (multiselect
/// values comma-separated; test steps skipped), as an admin filling in the forms would. For the
/// demo data, tests and benchmarks. Returns the installation's id.
pub async fn install_with(
    state: &AppState,
    actor_id: &str,
    org: &OrgRecord,
    project: &ProjectRecord,
    key: &str,
    values: &[(&str, &str)],
) -> Result<String, AppError> {
    let item = installable(state, key, None).await?;
    let record = begin(state, actor_id, org, project, &item).await?;
    let mut index = 0;
    loop {
        let setup = load(state, org, &record.id).await?;
        let step = &setup.steps[index].step;
        let mut posted = Posted::default();
        for field in &step.fields {
            let Some((_, v)) = values.iter().find(|(k, _)| *k == field.key) else {
                continue;
            };
            if field.kind == SettingType::Multiselect {
                let ticked = v
                    .split(',')
                    .enumerate()
                    .map(|(i, o)| (i.to_string(), o.to_string()));
                posted.multi.insert(field.key.clone(), ticked.collect());
            } else {
                posted.values.insert(field.key.clone(), v.to_string());
            }
        }
        let nav = if step.kind == StepKind::Test {
            Nav::Skip
        } else {
            Nav::Next
        };
        match submit(state, actor_id, &setup, index, &posted, nav).await? {
            Moved::To(i) => index = i,
            Moved::Finished => return Ok(record.id),
        }
    }
}

/// Deletes the signing secrets uninstalled installations kept for their last deliveries, once
/// those are finished.
pub async fn forget_uninstalled_secrets(state: &AppState) -> Result<u64, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT i.id, i.organization_id FROM installations i \
         JOIN secrets s ON s.scope_kind = 'installation' AND s.scope_id = i.id \
         WHERE i.status = 'uninstalled' AND NOT EXISTS (SELECT 1 FROM deliveries d \
           WHERE d.installation_id = i.id AND d.state IN ('pending', 'sending'))",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let mut removed = 0;
    for (id, org) in rows {
        let mut tx = state.db.pool.begin().await?;
        removed += state
            .secrets
            .clear_scope(&mut tx, &org, &Scope::installation(&id), &[], None)
            .await
            .map_err(AppError::from)?;
        tx.commit().await?;
    }
    Ok(removed)
}

fn display_value(setting: &Setting, value: &str) -> String {
    match setting.kind {
        SettingType::Select | SettingType::Multiselect => value
            .split(',')
            .filter(|v| !v.is_empty())
            .map(|v| {
                setting
                    .options
                    .iter()
                    .find(|o| o.value == v)
                    .map(|o| o.label.clone())
                    .unwrap_or_else(|| v.to_string())
            })
            .collect::<Vec<_>>()
            .join(", "),
        SettingType::Boolean => if value == "true" { "Yes" } else { "No" }.into(),
        _ => value.to_string(),
    }
}

/// The installation page.
pub async fn detail(
    state: &AppState,
    setup: &Setup,
    can_manage: bool,
) -> Result<InstallationDetail, AppError> {
    let values = setup.values();
    let all: Vec<&Setting> = setup.manifest.settings.iter().collect();
    let secrets = secret_states_of(state, setup, &all).await?;
    let events = setup.manifest.subscribed_events();
    Ok(InstallationDetail {
        id: setup.installation.id.clone(),
        org: (setup.org.slug.clone(), setup.org.name.clone()),
        project: (setup.project.slug.clone(), setup.project.name.clone()),
        extension: (setup.extension.key.clone(), setup.extension.name.clone()),
        version: setup.installation.version.clone(),
        previous_version: setup.installation.previous_version.clone(),
        status: setup.installation.status,
        disabled_reason: setup.installation.disabled_reason.clone(),
        revoked_reason: setup.revoked_reason.clone(),
        settings: setup
            .manifest
            .settings
            .iter()
            .filter(|s| !s.secret)
            .map(|s| SettingValue {
                key: s.key.clone(),
                label: s.label.clone(),
                kind: s.kind,
                scope: s.scope,
                value: values
                    .get(&s.key)
                    .map(|v| display_value(s, v))
                    .unwrap_or_default(),
            })
            .collect(),
        secrets,
        permissions: setup
            .installation
            .granted_permissions
            .iter()
            .map(|p| describe_permission(p))
            .collect(),
        events,
        created_at: setup.installation.created_at,
        configured_at: setup.installation.configured_at,
        can_manage,
        upgrade_to: crate::server::upgrade::latest_other(state, setup).await?,
        generated_secret: setup.manifest.signing_secret_setting.is_none(),
        previous_secret_until: previous_secret_until(state, &setup.installation.id)
            .await?
            .filter(|u| *u > now_ms()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_tokens_are_stored_as_sha256() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
