# Evaluation of the assistant on the bundled question sets; reports land in eval-out/.

QA := $(if $(wildcard .venv/bin/qa),.venv/bin/qa,qa)

.PHONY: eval eval-squad eval-seed

eval: eval-squad eval-seed

eval-squad:
	$(QA) eval eval/squad2-dev-sample.json --out eval-out/squad --quiet

eval-seed:
	$(QA) eval eval/seed_questions.jsonl --corpus seeds --out eval-out/seed --quiet
