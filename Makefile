# Evaluation of the assistant on the bundled question sets; reports land in eval-out/.
# `make reports` copies the reports' tables into eval/reports/, where they are kept in git.

QA := $(if $(wildcard .venv/bin/qa),.venv/bin/qa,qa)
SQUAD := eval/squad2-dev-sample.json

.PHONY: eval eval-squad eval-seed eval-offtopic reports

eval: eval-squad eval-seed eval-offtopic

eval-squad:
	$(QA) eval $(SQUAD) --out eval-out/squad --quiet

eval-seed:
	$(QA) eval eval/seed_questions.jsonl --corpus seeds --out eval-out/seed --quiet

eval-offtopic:
	$(QA) eval eval/squad_offtopic.jsonl --corpus $(SQUAD) --out eval-out/squad-offtopic --quiet
	$(QA) eval eval/seed_offtopic.jsonl --corpus seeds --out eval-out/seed-offtopic --quiet

reports: eval
	for set in squad seed squad-offtopic seed-offtopic; do \
		mkdir -p eval/reports/$$set && cp eval-out/$$set/report.md eval-out/$$set/report.json eval/reports/$$set/; \
	done
