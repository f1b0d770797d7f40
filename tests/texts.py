"""Scenario texts shared by tests."""

MINI = """\
title: Mini
context: family
difficulty: 1
skills: [refusal]
summary: A tiny scenario for tests.
characters:
  sam: {name: Sam}
variables:
  pushes: {type: int, default: 0}
start: offer
nodes:
  offer:
    lines:
      - speaker: sam
        variants: ["Want one?", "Go on, have one."]
    choices:
      - id: no
        text: No thanks, a soda
        style: assertive
        skills: [refusal.no-first, refusal.alternative]
        feedback: You said no first and offered an alternative.
        target: again
      - id: maybe
        text: Maybe later
        style: passive
        skills: [excuse]
        feedback: Maybe later invites a later yes.
        target: again
        set: {pushes: "pushes + 1"}
  again:
    lines:
      - speaker: sam
        text: You sure?
      - speaker: narrator
        text: He keeps pushing.
        if: pushes >= 1
    choices:
      - id: stop
        text: Please stop offering
        style: assertive
        skills: [refusal.ask-to-stop]
        feedback: You asked him to stop.
        target: good
      - id: once
        text: Let me think
        style: passive
        skills: [hedge]
        feedback: Thinking aloud gives him an opening.
        target: again
        once: true
      - id: fine
        text: Fine, give it here
        style: passive
        skills: [give-in]
        feedback: Giving in.
        target: hard
        if: visited("again") and pushes >= 1
  good:
    ending:
      outcome: good
      title: Held
      debrief: You held your no.
      try_this_week: Say no first once this week.
  hard:
    ending:
      outcome: hard
      title: Gave in
      debrief: The pressure won this time.
      try_this_week: Plan your no in advance.
"""
