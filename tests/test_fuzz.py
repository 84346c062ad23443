"""The audit's fuzzers, kept: hostile stack files, templates, environments and Stack API call
sequences end in success or a clear StackError, never anything else (issue 13 item 10).
``benchmarks/fuzz.py`` runs the same targets for 10,000+ cases and counts outcomes."""
from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings

from fuzzing import (api_programs, environment_texts, run_api_program, run_environment_text,
                     run_stack_text, run_template_text, scratch, stack_texts, template_texts)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(stack_texts)
def test_hostile_stack_files_load_or_say_why(text):
    with scratch() as folder:
        assert run_stack_text(text, Path(folder)) in ("success", "StackError")


@FUZZ
@given(template_texts)
def test_hostile_templates_read_or_say_why(text):
    assert run_template_text(text) in ("success", "StackError")


@FUZZ
@given(environment_texts)
def test_hostile_environments_load_or_say_why(text):
    with scratch() as folder:
        assert run_environment_text(text, Path(folder)) in ("success", "StackError")


@FUZZ
@given(api_programs)
def test_hostile_api_calls_are_refused_cleanly(program):
    counts = run_api_program(program)
    assert sum(counts.values()) == len(program)
