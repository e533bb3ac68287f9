# Evaluation of the assistant on the bundled question sets; reports land in eval-out/.
# `make reports` copies the reports' tables into eval/reports/, where they are kept in git.
# The Wikinews sets need the English Wikinews folder: `make eval-wikinews WIKINEWS=FOLDER`.
# Nothing the reader uses was fitted on any of these sets (see each report's first lines).

QA := $(if $(wildcard .venv/bin/qa),.venv/bin/qa,qa)
SQUAD := eval/squad2-dev-sample.json
WIKINEWS ?=

.PHONY: eval eval-squad eval-seed eval-offtopic eval-wikinews eval-stories reports

eval: eval-squad eval-seed eval-offtopic eval-stories $(if $(WIKINEWS),eval-wikinews)

eval-squad:
	$(QA) eval $(SQUAD) --out eval-out/squad --quiet

eval-seed:
	$(QA) eval eval/seed_questions.jsonl --corpus seeds --out eval-out/seed --quiet

eval-offtopic:
	$(QA) eval eval/squad_offtopic.jsonl --corpus $(SQUAD) --out eval-out/squad-offtopic --quiet
	$(QA) eval eval/seed_offtopic.jsonl --corpus seeds --out eval-out/seed-offtopic --quiet

# Evolving local stories (eval/stories/, written for this project): newest values, timelines,
# follow-ups, and look-alikes to choose decline rules on (a development set, unlike the seed's
# and Wikinews's); `python scripts/eval_stories.py` adds the story-specific figures.
eval-stories:
	$(QA) eval eval/stories_questions.jsonl --corpus eval/stories --out eval-out/stories --quiet
	$(QA) eval eval/stories_followups.jsonl --corpus eval/stories --out eval-out/stories-followups --quiet
	$(QA) eval eval/stories_lookalikes.jsonl --corpus eval/stories --out eval-out/stories-lookalikes --quiet

eval-wikinews:
	@test -n "$(WIKINEWS)" || { echo "error: give the Wikinews folder: make eval-wikinews WIKINEWS=FOLDER" >&2; exit 2; }
	$(QA) eval eval/wikinews_questions.jsonl --corpus $(WIKINEWS) --out eval-out/wikinews-questions --quiet
	$(QA) eval eval/wikinews_followups.jsonl --corpus $(WIKINEWS) --out eval-out/wikinews-followups --quiet

reports: eval
	for set in squad seed squad-offtopic seed-offtopic stories stories-followups stories-lookalikes $(if $(WIKINEWS),wikinews-questions wikinews-followups); do \
		mkdir -p eval/reports/$$set && cp eval-out/$$set/report.md eval-out/$$set/report.json eval/reports/$$set/; \
	done
