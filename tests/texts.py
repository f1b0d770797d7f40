"""Scenario texts and typed messages shared by tests."""

# Messages a person might type mid-scene that mean probable, not explicit, danger. Tests use the
# first one the shipped model puts in the question band, so they test the flow, not one model's
# reading of one sentence.
PROBABLE = [
    "honestly what's even the point of any of this anymore",
    "i just dont see a way out of this",
    "everyone would be fine without me around",
    "i dont want to be here anymore",
    "some nights i think about just not being around",
    "i'm so tired of everything, i want it all to stop",
    "i keep thinking about disappearing for good",
    "sometimes i wonder if anyone would notice if i was gone",
    "i'm so done with everything",
    "what's the point of trying anymore",
    "i don't see the point in going on",
    "i don't know how much longer i can keep doing this",
]


def probable_text() -> str:
    from state.crisis import ASK
    from state.safety import screen_text

    asked = [t for t in PROBABLE if screen_text(t).action == ASK]
    assert asked, "none of the probable messages reaches the question: review PROBABLE"
    return asked[0]


# Someone else's danger, said mildly: the first the shipped model asks about (not a card)
PROBABLE_THEIRS = [
    "my friend keeps hinting she might end her life",
    "my friend said she might end her life soon",
    "my brother posted something like he wants to end his life",
    "kinda scared my roommate is going to hurt himself",
    "my sister said she doesnt want to be alive sometimes",
    "my son has been really down and said he thinks about ending his life",
    "my buddy said he's thinking of ending his life",
]


def probable_theirs_text() -> str:
    from state.crisis import ASK
    from state.safety import screen_text
    from state.safety.card import SOMEONE_ELSE_CATEGORIES

    asked = [
        t
        for t in PROBABLE_THEIRS
        if (r := screen_text(t)).action == ASK
        and r.someone_else
        and r.category in SOMEONE_ELSE_CATEGORIES
    ]
    assert asked, "none of PROBABLE_THEIRS reaches the question about someone else: review it"
    return asked[0]


# Possible overdoses, often accidents, that are probable rather than explicit.
PROBABLE_OVERDOSE = [
    "i may have doubled my dose",
    "i double dosed my adderall",
    "i think i took my lamictal twice this morning, feel weird and dizzy",
    "might have taken a couple extra of my sleeping pills, feeling kind of off",
    "took more of my anxiety meds than i meant to, is that bad",
    "not sure if i already took my night meds so i took them again",
    "i think i double dosed by accident",
    "did i take my adderall twice? heart is racing",
]


def probable_overdose_text() -> str:
    from state.crisis import ASK
    from state.safety import screen_text

    asked = [
        t
        for t in PROBABLE_OVERDOSE
        if (r := screen_text(t)).action == ASK and r.category == "overdose"
    ]
    assert asked, "no possible overdose reaches the question: review PROBABLE_OVERDOSE"
    return asked[0]


MINI = """\
title: Mini
context: family
difficulty: 1
intensity: 1
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
      - id: never
        text: No, and never offer me again
        style: assertive
        near_miss: too-big-an-ask
        skills: [refusal.no-first]
        feedback: A clear no, with a rule bigger than this moment.
        target: again
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
