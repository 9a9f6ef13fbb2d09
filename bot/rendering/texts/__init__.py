"""ONE HOME FOR MESSAGE TEXTS: every text the bot sends, in the reader's language.

All interface strings go through the gettext catalogs (``tr.gettext`` / ``tr.ngettext``);
questionnaire wording comes from the questionnaire data. Messages are HTML: anything that
comes from people (titles, names, answers) is escaped here, once. One module per part of
the conversation; callers use ``texts.<function>`` whatever the module.
"""

from bot.rendering.texts.export import (  # noqa: F401
    export_caption,
    export_columns,
    export_csv_caption,
    export_kind,
    export_profile_header,
    export_questions_labels,
    export_status,
    export_summary_labels,
    export_withheld,
    export_xlsx_caption,
)
from bot.rendering.texts.forget import (  # noqa: F401
    forget_cancelled,
    forget_confirm,
    forget_done,
)
from bot.rendering.texts.help import (  # noqa: F401
    _telegram_id,
    anonymous_sender,
    choose_at_least_one,
    edits_not_read,
    empty_text,
    help_text,
    not_organiser,
    not_organiser_new,
    nothing_to_answer,
    private_chat_only,
    something_went_wrong,
    stale_button,
    temporarily_unavailable,
    text_truncated,
    unknown_command,
    unsupported_content,
    use_the_buttons,
    whoami_text,
    workshop_not_found,
    your_telegram_id,
)
from bot.rendering.texts.joining import (  # noqa: F401
    already_joined,
    join_expired,
    join_not_found,
    joined,
    profile_done,
    start_without_code,
)
from bot.rendering.texts.language import (  # noqa: F401
    choose_language,
    language_set,
)
from bot.rendering.texts.markup import (  # noqa: F401
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    SLOT,
    TAG,
    _fit,
    cut,
    echo,
    local,
    option_label,
    plain_fallback,
    scale_anchors,
    split_blocks,
    utf16_len,
    visible_len,
    yesno_label,
)
from bot.rendering.texts.menus import (  # noqa: F401
    command_menu,
)
from bot.rendering.texts.organiser import (  # noqa: F401
    bad_stats_query,
    close_report,
    close_sending,
    completion_rate,
    group_linked,
    group_unreachable,
    link_in_a_group,
    live_progress,
    new_usage,
    not_comparable,
    qr_caption,
    sent_to_group,
    workshop_created,
)
from bot.rendering.texts.privacy import (  # noqa: F401
    data_deleted,
    export_in_private,
    forget_unreachable,
    mydata_about,
    mydata_caption,
    privacy_text,
    retention_notice,
)
from bot.rendering.texts.questions import (  # noqa: F401
    _header,
    completed_text,
    question_text,
    questionnaire_intro,
    recap_line,
    thank_you,
)
from bot.rendering.texts.reminders import (  # noqa: F401
    already_finished,
    bad_timezone,
    bad_when,
    followup_already_sent,
    followup_cancelled,
    followup_planned,
    followup_sent,
    not_closed,
    remind_started,
    remind_too_soon,
    reminder_text,
    reminders_off,
    reminders_on,
    reminders_usage,
    schedule_planned,
    send_summary,
    timezone_set,
    timezone_shown,
    when_in_past,
)
from bot.rendering.texts.report import (  # noqa: F401
    outcome_label,
    plain,
    report_breakdown_heading,
    report_caption,
    report_fact_labels,
    report_footer,
    report_headings,
    report_no_group_shown,
    report_overall_only,
    report_subtitle,
    report_summary_labels,
    report_summary_notes,
    share_text,
    summary_average,
    summary_top_answer,
)
from bot.rendering.texts.statistics import (  # noqa: F401
    _figures_line,
    _group_line,
    _question_block,
    answers_count,
    breakdown_line,
    chart_n_line,
    group_label,
    hidden_group,
    hidden_note,
    legend_label,
    mean_text,
    multi_note,
    no_answer_text,
    no_answers_yet,
    reversal_note,
    small_groups_rule,
    stats_summary,
    withheld_group,
)
