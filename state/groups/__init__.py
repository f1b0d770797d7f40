"""Group leaders' domain: roles, invitations, joining and leaving, pushes and their delivery.

`Groups` (service.py) is what a channel calls: one method per user action, each one transaction
returning plain frozen records. Under it, plain functions over one unit of work (`uow`), one
module per job, so a decision and the messages it queues commit together:

- `records`: constants, the frozen records, rows → records;
- `roles`: admins, leaders, removing a leader;
- `membership`: groups, their members, what each member shares, leaving;
- `invites`: group and leader invitation links;
- `pushes`: pushing a scenario, its delivery, the delivery report;
- `alerts`: crisis alerts to leaders.

Admins come from the settings and are passed in: nothing here reads the environment. Every
function that acts for a leader takes the leader's id and refuses (returns None or a status)
when the group is not theirs, so authorisation lives in one place and the handlers cannot
forget it. This package names every function and record of those modules, as the one module
`state/groups.py` did; it does not import the service (which imports the group report, which
imports this package).
"""

from state.groups.alerts import alert_leaders
from state.groups.invites import (
    accept_leader_invite,
    check_group_invite,
    check_leader_invite,
    create_invite,
    current_invite,
    join_group,
    new_code,
    renew_invite,
    revoke_invites,
)
from state.groups.membership import (
    checkin_groups,
    clean_name,
    create_group,
    find_leader_group,
    get_group,
    is_member,
    leader_group,
    leader_groups,
    leave_group,
    member_groups,
    members,
    set_sharing,
)
from state.groups.pushes import (
    create_push,
    delivery,
    get_push,
    group_pushes,
    keep_delivery,
    push_means,
    report_means,
    settle_reports,
)
from state.groups.records import (
    ALERT_BUCKET_SECONDS,
    ALERT_KIND,
    CLOSED_KIND,
    CODE,
    CODE_BYTES,
    LEADER,
    LEADER_INVITE_TTL,
    NAME_MAX,
    PARTICIPANT,
    PUSH_KIND,
    REPEAT_WINDOW,
    REPORT_KIND,
    Delivery,
    GroupRecord,
    InviteCheck,
    InviteRecord,
    MemberRecord,
    PushRecord,
    PushResult,
    Removal,
    Share,
)
from state.groups.roles import (
    is_admin,
    is_leader,
    leader_ids,
    remove_leader,
    set_role,
)

__all__ = [
    "ALERT_BUCKET_SECONDS",
    "ALERT_KIND",
    "CLOSED_KIND",
    "CODE",
    "CODE_BYTES",
    "LEADER",
    "LEADER_INVITE_TTL",
    "NAME_MAX",
    "PARTICIPANT",
    "PUSH_KIND",
    "REPEAT_WINDOW",
    "REPORT_KIND",
    "Delivery",
    "GroupRecord",
    "InviteCheck",
    "InviteRecord",
    "MemberRecord",
    "PushRecord",
    "PushResult",
    "Removal",
    "Share",
    "accept_leader_invite",
    "alert_leaders",
    "check_group_invite",
    "check_leader_invite",
    "checkin_groups",
    "clean_name",
    "create_group",
    "create_invite",
    "create_push",
    "current_invite",
    "delivery",
    "find_leader_group",
    "get_group",
    "is_member",
    "get_push",
    "group_pushes",
    "is_admin",
    "is_leader",
    "join_group",
    "keep_delivery",
    "leader_group",
    "leader_groups",
    "leader_ids",
    "leave_group",
    "member_groups",
    "members",
    "new_code",
    "push_means",
    "report_means",
    "remove_leader",
    "renew_invite",
    "revoke_invites",
    "set_role",
    "set_sharing",
    "settle_reports",
]
