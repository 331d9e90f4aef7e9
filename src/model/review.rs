//! The version lifecycle in one place (SPEC §7): which action is allowed from which state, for whom,
//! and what it needs. Every change of a version's state or flags goes through [`decide`].

use crate::error::AppError;
use crate::model::extension::VersionState;
use serde::{Deserialize, Serialize};

/// Something done to a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A reviewer takes a submission (submitted → in review).
    Claim,
    /// The reviewer publishes it (in review → published).
    Approve,
    /// The reviewer asks for changes (in review → changes requested); message required.
    RequestChanges,
    /// The reviewer refuses it (in review → rejected); reason required.
    Reject,
    /// The publisher takes a submission back (submitted → withdrawn).
    Withdraw,
    /// The publisher hides a published version from new installs; reason required.
    Yank,
    /// The publisher makes a yanked version installable again; reason required.
    Unyank,
    /// A marketplace admin blocks a published version everywhere; security reason required.
    Revoke,
}

impl Action {
    /// Every action, for tables and tests.
    pub const ALL: [Action; 8] = [
        Action::Claim,
        Action::Approve,
        Action::RequestChanges,
        Action::Reject,
        Action::Withdraw,
        Action::Yank,
        Action::Unyank,
        Action::Revoke,
    ];

    /// As stored in the version's history.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claim => "claim",
            Self::Approve => "approve",
            Self::RequestChanges => "request_changes",
            Self::Reject => "reject",
            Self::Withdraw => "withdraw",
            Self::Yank => "yank",
            Self::Unyank => "unyank",
            Self::Revoke => "revoke",
        }
    }

    /// From the stored or posted text.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Claim => "Claimed for review",
            Self::Approve => "Approved and published",
            Self::RequestChanges => "Changes requested",
            Self::Reject => "Rejected",
            Self::Withdraw => "Withdrawn",
            Self::Yank => "Yanked",
            Self::Unyank => "Un-yanked",
            Self::Revoke => "Revoked",
        }
    }

    /// Who may take this action.
    pub fn needs(self) -> Actor {
        match self {
            Self::Claim | Self::Approve | Self::RequestChanges | Self::Reject | Self::Revoke => {
                Actor::Reviewer
            }
            Self::Withdraw | Self::Yank | Self::Unyank => Actor::Publisher,
        }
    }

    /// The name of the text field this action requires, if any.
    pub fn requires_message(self) -> bool {
        matches!(
            self,
            Self::RequestChanges | Self::Reject | Self::Yank | Self::Unyank | Self::Revoke
        )
    }
}

/// The capacity someone acts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Actor {
    /// A marketplace admin.
    Reviewer,
    /// A member (owner or maintainer) of the version's publisher.
    Publisher,
}

/// Where a version stands: its state and its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// Review state.
    pub state: VersionState,
    /// Hidden from new installs by the publisher.
    pub yanked: bool,
    /// Blocked everywhere by a marketplace admin.
    pub revoked: bool,
}

/// One entry of a version's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Unix ms.
    pub at: i64,
    /// Who (display name), if known.
    pub actor: Option<String>,
    /// What.
    pub action: Action,
    /// The message or reason given.
    pub message: Option<String>,
}

/// One version waiting for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    /// Extension key.
    pub key: String,
    /// Extension name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Publisher name.
    pub publisher: String,
    /// Publisher verified.
    pub verified: bool,
    /// State: submitted or in review.
    pub state: VersionState,
    /// Reviewer who claimed it.
    pub reviewer: Option<String>,
    /// Upload time, unix ms.
    pub submitted_at: i64,
    /// Blocking findings (none in practice: they refuse the upload).
    pub blocking: u32,
    /// Warnings.
    pub warnings: u32,
}

/// The review queue with what a publisher is told about waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewQueue {
    /// Waiting versions, oldest first.
    pub items: Vec<QueueItem>,
    /// Median time from upload to decision over the last 30 days, in ms.
    pub median_review_ms: Option<i64>,
}

/// The review side of a version: where it stands, what was said, what changed, who may act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewInfo {
    /// State and flags.
    pub standing: Standing,
    /// The reviewer who claimed or decided it.
    pub reviewer: Option<String>,
    /// The reviewer's message (changes requested, rejection reason, approval note).
    pub review_message: Option<String>,
    /// Why it was yanked.
    pub yank_reason: Option<String>,
    /// Why it was revoked.
    pub revoke_reason: Option<String>,
    /// Everything that happened to it, oldest first.
    pub history: Vec<HistoryEntry>,
    /// What changed since the last published version.
    pub diff: crate::model::diff::VersionDiff,
    /// Position in the review queue (1 = next), while waiting.
    pub queue_position: Option<usize>,
    /// Median review time over the last 30 days, in ms.
    pub median_review_ms: Option<i64>,
    /// The viewer is a marketplace admin.
    pub can_review: bool,
    /// The viewer is a member of the publisher.
    pub can_manage: bool,
}

impl ReviewInfo {
    /// The actions the viewer can take now (those [`decide`] would allow, message aside).
    pub fn actions(&self) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|a| {
                decide(
                    self.standing,
                    *a,
                    self.can_review,
                    self.can_manage,
                    "reason",
                )
                .is_ok()
            })
            .collect()
    }
}

/// Longest review message or reason.
pub const MAX_MESSAGE: usize = 4_000;

/// Whether `action` may be taken on a version standing at `from` by someone who is a reviewer
/// and/or a publisher member, with `message`; the standing it leads to, or why not.
pub fn decide(
    from: Standing,
    action: Action,
    is_reviewer: bool,
    is_member: bool,
    message: &str,
) -> Result<Standing, AppError> {
    let allowed = match action.needs() {
        Actor::Reviewer => is_reviewer,
        Actor::Publisher => is_member,
    };
    if !allowed {
        return Err(AppError::Forbidden(match action.needs() {
            Actor::Reviewer => "Only marketplace admins review and revoke versions.".into(),
            Actor::Publisher => {
                "Only members of the publisher can withdraw or yank its versions.".into()
            }
        }));
    }
    let message = message.trim();
    if action.requires_message() && message.is_empty() {
        return Err(AppError::field(
            "message",
            match action {
                Action::RequestChanges => "Say what needs to change.",
                Action::Reject => "Give the reason for the rejection.",
                Action::Yank => "Give the reason for yanking: users will see it.",
                Action::Unyank => "Say why the version is safe to install again.",
                _ => "Give the security reason for the revocation.",
            },
        ));
    }
    if message.chars().count() > MAX_MESSAGE {
        return Err(AppError::field(
            "message",
            format!("At most {MAX_MESSAGE} characters."),
        ));
    }
    use VersionState::*;
    let refuse = |why: &str| Err(AppError::Conflict(why.to_string()));
    if from.revoked {
        return refuse("This version was revoked; nothing more can be done with it.");
    }
    let to = match (action, from.state) {
        (Action::Claim, Submitted) => Standing {
            state: InReview,
            ..from
        },
        (Action::Claim, InReview) => return refuse("A reviewer has already claimed this version."),
        (Action::Claim, _) => return refuse("Only submitted versions can be claimed."),
        (Action::Approve | Action::RequestChanges | Action::Reject, InReview) => Standing {
            state: match action {
                Action::Approve => Published,
                Action::RequestChanges => ChangesRequested,
                _ => Rejected,
            },
            ..from
        },
        (Action::Approve | Action::RequestChanges | Action::Reject, Submitted) => {
            return refuse("Claim the version before deciding on it.")
        }
        (Action::Approve | Action::RequestChanges | Action::Reject, _) => {
            return refuse("This version has already been decided.")
        }
        (Action::Withdraw, Submitted) => Standing {
            state: Withdrawn,
            ..from
        },
        (Action::Withdraw, InReview) => {
            return refuse("A reviewer is already on this version; it can no longer be withdrawn.")
        }
        (Action::Withdraw, _) => return refuse("Only submitted versions can be withdrawn."),
        (Action::Yank, Published) if !from.yanked => Standing {
            yanked: true,
            ..from
        },
        (Action::Yank, Published) => return refuse("This version is already yanked."),
        (Action::Unyank, Published) if from.yanked => Standing {
            yanked: false,
            ..from
        },
        (Action::Unyank, Published) => return refuse("This version is not yanked."),
        (Action::Yank | Action::Unyank, _) => {
            return refuse("Only published versions can be yanked or un-yanked.")
        }
        (Action::Revoke, Published) => Standing {
            revoked: true,
            ..from
        },
        (Action::Revoke, _) => return refuse("Only published versions can be revoked."),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use VersionState::*;

    fn at(state: VersionState) -> Standing {
        Standing {
            state,
            yanked: false,
            revoked: false,
        }
    }

    const STATES: [VersionState; 6] = [
        Submitted,
        InReview,
        Published,
        ChangesRequested,
        Rejected,
        Withdrawn,
    ];

    /// The whole table: each state × each action × each role.
    #[test]
    fn the_transition_table() {
        let mut table = String::new();
        for state in STATES {
            for (yanked, revoked) in [(false, false), (true, false), (false, true)] {
                if (yanked || revoked) && state != Published {
                    continue;
                }
                let from = Standing {
                    state,
                    yanked,
                    revoked,
                };
                for action in Action::ALL {
                    for (role, reviewer, member) in [
                        ("visitor-or-user", false, false),
                        ("member", false, true),
                        ("admin", true, false),
                    ] {
                        let result = decide(from, action, reviewer, member, "because");
                        let outcome = match result {
                            Ok(to) => format!(
                                "-> {}{}{}",
                                to.state.as_str(),
                                if to.yanked { "+yanked" } else { "" },
                                if to.revoked { "+revoked" } else { "" }
                            ),
                            Err(e) => format!("refused ({}): {e}", e.kind()),
                        };
                        table.push_str(&format!(
                            "{}{}{} | {} | {role} | {outcome}\n",
                            state.as_str(),
                            if yanked { "+yanked" } else { "" },
                            if revoked { "+revoked" } else { "" },
                            action.as_str(),
                        ));
                    }
                }
            }
        }
        insta::assert_snapshot!(table);
    }

    #[test]
    fn messages_are_required_where_a_person_will_read_the_reason() {
        for action in [
            Action::RequestChanges,
            Action::Reject,
            Action::Yank,
            Action::Unyank,
            Action::Revoke,
        ] {
            let from = match action {
                Action::Yank | Action::Revoke => at(Published),
                Action::Unyank => Standing {
                    yanked: true,
                    ..at(Published)
                },
                _ => at(InReview),
            };
            let err = decide(from, action, true, true, "  ").unwrap_err();
            assert!(err.for_field("message").is_some(), "{action:?}");
        }
        assert!(decide(at(InReview), Action::Approve, true, false, "").is_ok());
        let long = "x".repeat(MAX_MESSAGE + 1);
        assert!(decide(at(InReview), Action::Approve, true, false, &long).is_err());
    }

    #[test]
    fn actions_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
    }
}
