"""Choose the dense weight of score fusion on one SQuAD article, measure it on the other.

Prints paragraph recall@1/@3 of the answerable questions for each candidate weight on each
article, then the weight chosen on one article and its recall on the other (held out).

Usage:
    python scripts/tune_fusion.py [--data eval/squad2-dev-sample.json]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from qa import Assistant
from qa.evaluation.data import load_questions, write_squad_corpus
from qa.evaluation.runner import context_passages

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "eval" / "squad2-dev-sample.json")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    eval_set = load_questions(args.data)
    article_of = {p: title for title, paragraphs in eval_set.articles for p in paragraphs}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_squad_corpus(eval_set, Path(tmp) / "corpus")
        recall: dict[float, dict[str, tuple[int, int, int]]] = {}
        for weight in WEIGHTS:
            assistant = Assistant.from_corpus(
                corpus, index_dir=Path(tmp) / "ix", show_progress=False, dense_weight=weight
            )
            counts: dict[str, list[int]] = {}
            for item in eval_set.questions:
                if not item.has_answer or item.context is None:
                    continue
                gold = {p.id for p in context_passages(assistant.passages, item.context)}
                ranked = [h.passage.id for h in assistant.search(item.question, top_k=3)]
                c = counts.setdefault(article_of[item.context], [0, 0, 0])
                c[0] += 1
                c[1] += ranked[0] in gold
                c[2] += any(r in gold for r in ranked)
            recall[weight] = {a: (n, r1, r3) for a, (n, r1, r3) in counts.items()}
            cells = ", ".join(
                f"{a}: r@1 {r1 / n:.3f} r@3 {r3 / n:.3f}" for a, (n, r1, r3) in counts.items()
            )
            print(f"dense_weight {weight:.2f}: {cells}")
    articles = sorted(next(iter(recall.values())))
    total = [0, 0, 0]
    for test in articles:
        train = [a for a in articles if a != test]

        def train_r1(w: float, train: list[str] = train) -> float:
            return sum(recall[w][a][1] for a in train) / sum(recall[w][a][0] for a in train)

        chosen = max(WEIGHTS, key=train_r1)
        n, r1, r3 = recall[chosen][test]
        total = [total[0] + n, total[1] + r1, total[2] + r3]
        print(
            f"held out {test}: weight {chosen} chosen on the other article -> "
            f"r@1 {r1 / n:.3f} r@3 {r3 / n:.3f} ({n} questions)"
        )
    print(f"held out, both articles: r@1 {total[1] / total[0]:.3f} r@3 {total[2] / total[0]:.3f}")


if __name__ == "__main__":
    main()
