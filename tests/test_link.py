"""Linking: normalisation, the knowledge base, abbreviations, clustering, ids, and pairwise scoring."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import InputError, OptionError
from kg.linking import (
    KBEntry,
    KnowledgeBase,
    UnionFind,
    fuzzy_pairs,
    link,
    linking_pairwise,
    load_kb,
    normalise,
    slug,
)
from kg.types import LABELS, Abbreviation, Entity, Extraction, Label, Linked, Mention

FIXTURE = Path(__file__).parent / "fixtures" / "kb_small.jsonl"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb([FIXTURE])


def mention(text: str, label: Label = "METHOD", start: int = 0, field: str = "abstract",
            kb_id: str | None = None) -> Mention:
    return Mention(field, start, start + len(text), text, label, source="test", kb_id=kb_id)  # type: ignore[arg-type]


def paper(pid: str, *mentions: Mention, defs: tuple[tuple[str, str], ...] = ()) -> Extraction:
    """A paper whose mentions sit at distinct offsets; `defs` are (short, long) definitions."""
    placed = tuple(
        Mention(m.field, 100 * i + m.start, 100 * i + m.end, m.text, m.label, source=m.source, kb_id=m.kb_id)
        for i, m in enumerate(mentions)
    )
    abbreviations = tuple(Abbreviation(short, long, "abstract", 50, 10) for short, long in defs)
    return Extraction(pid, placed, abbreviations=abbreviations)


def entity_of(linked: Linked, pid: str, text: str) -> Entity:
    """The entity of the first mention of `text` in paper `pid`."""
    table = {e.id: e for e in linked.entities}
    for extraction in linked.extractions:
        if extraction.paper_id == pid:
            for m in extraction.mentions:
                if m.text == text:
                    assert m.entity_id is not None
                    return table[m.entity_id]
    raise AssertionError(f"no mention {text!r} in {pid}")


# --- normalise -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "label", "key"), [
    ("CIFAR-10", None, "cifar10"),
    ("CIFAR10", None, "cifar10"),
    ("cifar 10", None, "cifar10"),
    ("CIFAR\u201110", None, "cifar10"),          # non-breaking hyphen
    ("CIFAR\u00a010", None, "cifar10"),          # non-breaking space
    ("Ｃｉｆａｒ-10", None, "cifar10"),             # full-width letters (NFKC)
    ("Llama-2", None, "llama2"),
    ("LLaMA 2", None, "llama2"),
    ("llama_2", None, "llama2"),
    ("GPT-3.5", None, "gpt35"),
    ("LLMs", None, "llm"),
    ("GANs", None, "gan"),
    ("MTs", None, "mt"),
    ("networks", None, "network"),
    ("Graph Neural Networks", None, "graphneuralnetwork"),
    ("datasets", None, "dataset"),
    ("loss", None, "loss"),
    ("losses", None, "loss"),
    ("analysis", None, "analysis"),
    ("class", None, "class"),
    ("queries", None, "query"),
    ("corpus", None, "corpus"),
    ("Trans-Encoder", None, "transencoder"),
    ("TransEncoder", None, "transencoder"),
    ("the Transformer", None, "transformer"),
    ("the CIFAR-10 dataset", None, "cifar10"),
    ("SQuAD benchmark", None, "squad"),
    ("the GLUE benchmark suite", None, "glue"),
    ("Penn Treebank data set", None, "penntreebank"),
    ("benchmark", None, "benchmark"),          # a head alone is not stripped to nothing
    ("the", None, "the"),
    ("machine translation task", "TASK", "machinetranslation"),
    ("machine translation tasks", "TASK", "machinetranslation"),
    ("machine translation task", "METHOD", "machinetranslationtask"),
    ("BERT model", "METHOD", "bert"),
    ("GPT-3 models", "METHOD", "gpt3"),
    ("Transformer architecture", "METHOD", "transformer"),
    ("language model", "METHOD", "languagemodel"),   # a common word before the head: kept
    ("Diffusion Models", "METHOD", "diffusionmodel"),
    ("model", "METHOD", "model"),
    ("BLEU score", "METRIC", "bleu"),
    ("C++", None, "c++"),
    ("Cohen's kappa", None, "cohenkappa"),
    ("---", None, ""),
    ("", None, ""),
])
def test_normalise_table(text: str, label: Label | None, key: str) -> None:
    assert normalise(text, label=label) == key


def test_normalise_is_idempotent_on_its_own_keys() -> None:
    for text in ("CIFAR-10", "Large Language Models", "the GLUE benchmark", "Trans-Encoder"):
        key = normalise(text)
        assert normalise(key) == key


def test_slug_is_url_safe_and_never_empty() -> None:
    assert slug("Trans-Encoder") == "trans-encoder"
    assert slug("machine translation task", label="TASK") == "machine-translation"
    for text in ("", "---", "βγδ", "東京"):
        assert re.fullmatch(r"[a-z0-9-]+", slug(text))


# --- the knowledge base --------------------------------------------------------------------------

def test_load_kb_reads_the_fixture(kb: KnowledgeBase, tmp_path: Path) -> None:
    assert len(kb) == 10
    entry = kb.get("dataset/cifar-10")
    assert entry == KBEntry("dataset/cifar-10", "CIFAR-10", "DATASET", ("CIFAR10", "CIFAR 10"))
    (tmp_path / "b.jsonl").write_text(FIXTURE.read_text())
    (tmp_path / "a.jsonl").write_text('{"id": "task/qa", "name": "question answering", "type": "TASK"}\n')
    (tmp_path / "notes.txt").write_text("not a knowledge base")
    assert len(load_kb([tmp_path])) == 11  # a directory means its *.jsonl


def test_load_kb_without_paths_never_fails() -> None:
    assert isinstance(load_kb(), KnowledgeBase)


def test_load_kb_names_the_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    good = '{"id": "method/x", "name": "X", "type": "METHOD"}'
    bad.write_text(good + '\n\n{"id": "m/y", "name": "Y", "type": "FOO"}\n')
    with pytest.raises(InputError, match=r"bad\.jsonl:3: .*unknown type 'FOO'"):
        load_kb([bad])
    bad.write_text("{not json\n")
    with pytest.raises(InputError, match=r"bad\.jsonl:1"):
        load_kb([bad])


def test_duplicate_ids_pool_their_aliases() -> None:
    kb = KnowledgeBase([KBEntry("method/bert", "BERT", "METHOD", ("BERT-base",)),
                        KBEntry("method/bert", "BERT", "METHOD", ("BERT-large",))])
    assert kb.get("method/bert") == KBEntry("method/bert", "BERT", "METHOD", ("BERT-base", "BERT-large"))


@pytest.mark.parametrize(("text", "label", "expected"), [
    ("CIFAR10", "DATASET", "dataset/cifar-10"),
    ("cifar 10", None, "dataset/cifar-10"),
    ("the CIFAR-10 dataset", "DATASET", "dataset/cifar-10"),
    ("CIFAR-10 dataset", "METHOD", "dataset/cifar-10"),  # mistyped mention: the KB type decides
    ("CIFAR-100", "DATASET", "dataset/cifar-100"),
    ("BERT", "DATASET", "method/bert"),
    ("BERT model", "METHOD", "method/bert"),
    ("BLEU score", "METRIC", "metric/bleu"),
    ("GPT3", "METHOD", "method/gpt-3"),
    ("GPT-4", "METHOD", None),
    ("Large Language Models", "METHOD", "method/large-language-model"),
    ("machine translation task", "TASK", "task/machine-translation"),
])
def test_lookup(kb: KnowledgeBase, text: str, label: Label | None, expected: str | None) -> None:
    found = kb.lookup(text, label)
    assert (found.id if found else None) == expected


def test_lookup_ambiguous_alias_needs_the_type() -> None:
    kb = KnowledgeBase([KBEntry("dataset/sst-2", "SST-2", "DATASET", ("SST",)),
                        KBEntry("task/sst", "sea surface temperature", "TASK", ("SST",))])
    assert kb.lookup("SST") is None
    assert kb.lookup("SST", "TASK") == kb.get("task/sst")


def test_candidates_rank_by_similarity_and_respect_digits(kb: KnowledgeBase) -> None:
    found = kb.candidates("Stanford Sentimant Treebank", "DATASET", limit=3)
    assert found[0][0].id == "dataset/sst-2" and found[0][1] > 90
    assert [e.id for e, _ in kb.candidates("CIFAR-10", "DATASET")] == ["dataset/cifar-10"]
    assert all(e.id != "method/gpt-3" for e, _ in kb.candidates("GPT-4", "METHOD"))


# --- union-find and blocked fuzzy pairs ----------------------------------------------------------

def test_union_find_keeps_anchors_apart() -> None:
    uf = UnionFind()
    a, b, c, d = uf.add("kb/a"), uf.add(), uf.add(), uf.add("kb/b")
    assert uf.union(b, c) and uf.union(a, b)
    assert not uf.union(c, d)
    assert uf.anchor(c) == "kb/a" and uf.anchor(d) == "kb/b"


def test_fuzzy_pairs_never_cross_digits_or_groups() -> None:
    keys = ["cifar10", "cifar100", "gpt3", "gpt4", "resnet50", "resnet101", "llama2", "llama3",
            "megatronlanguagemodel3", "megatronlanguagemodel4", "languagemodeling", "languagemodelling"]
    pairs = fuzzy_pairs(keys, ["X"] * len(keys), 92.0)
    assert [(keys[i], keys[j]) for _, i, j in pairs] == [("languagemodeling", "languagemodelling")]
    assert fuzzy_pairs(["languagemodeling", "languagemodelling"], ["TASK", "METHOD"], 92.0) == []


def test_fuzzy_pairs_skip_modifiers_at_either_end() -> None:
    keys = ["multipersonposeestimation", "fastmultipersonposeestimation", "transformer", "transformerxl"]
    assert fuzzy_pairs(keys, ["T", "T", "M", "M"], 90.0) == []


def test_fuzzy_pairs_find_typos_at_either_end() -> None:
    keys = ["deepspeechrecognizer", "deepspeechrecogniser", "xeepspeechrecognizer", "unrelatedthing"]
    pairs = {(keys[i], keys[j]) for _, i, j in fuzzy_pairs(keys, ["M"] * 4, 92.0)}
    assert ("deepspeechrecognizer", "deepspeechrecogniser") in pairs
    assert ("deepspeechrecognizer", "xeepspeechrecognizer") in pairs  # found through the suffix block


def test_fuzzy_pairs_match_all_pairs_naively(monkeypatch: pytest.MonkeyPatch) -> None:
    from rapidfuzz import fuzz

    from kg.linking import cluster

    rng = random.Random(7)
    keys = sorted({"net" + "".join(rng.choices("abc", k=rng.randint(6, 14))) for _ in range(1500)})

    def extends(a: str, b: str) -> bool:  # one key is the other plus a modifier at one end
        return len(b) - len(a) >= 2 and (b.startswith(a) or b.endswith(a))

    naive = {(i, j) for i in range(len(keys)) for j in range(i + 1, len(keys))
             if fuzz.ratio(keys[i], keys[j]) >= 92.0
             and not extends(*sorted((keys[i], keys[j]), key=len))}
    assert len(naive) > 20
    refined = {(i, j) for _, i, j in fuzzy_pairs(keys, ["M"] * len(keys), 92.0)}
    assert refined <= naive and len(refined) >= 0.8 * len(naive)  # big blocks split: a few lost
    monkeypatch.setattr(cluster, "_MAX_BLOCK", 10**6)  # one big block each way: nothing lost
    assert {(i, j) for _, i, j in fuzzy_pairs(keys, ["M"] * len(keys), 92.0)} == naive


# --- link ----------------------------------------------------------------------------------------

def test_kb_alias_matching(kb: KnowledgeBase) -> None:
    papers = [paper("p1", mention("CIFAR10", "DATASET")), paper("p2", mention("cifar 10", "METHOD"))]
    linked = link(papers, kb)
    (entity,) = linked.entities
    assert entity.id == entity.kb_id == "dataset/cifar-10"
    assert entity.label == "DATASET"  # the KB type wins over a mistyped mention
    assert entity.name == "CIFAR-10"
    assert entity.aliases == ("CIFAR 10", "CIFAR10", "cifar 10")
    assert (entity.paper_count, entity.mention_count) == (2, 2)


def test_extractor_kb_id_is_kept(kb: KnowledgeBase) -> None:
    linked = link([paper("p1", mention("the thing", kb_id="method/bert"))], kb)
    assert entity_of(linked, "p1", "the thing").id == "method/bert"


def test_abbreviation_within_a_paper(kb: KnowledgeBase) -> None:
    linked = link([paper("p1", mention("Low-Rank Adaptation"), mention("LoRA"), mention("LoRA"),
                         defs=(("LoRA", "Low-Rank Adaptation"),))], kb)
    (entity,) = linked.entities
    assert entity.id == "new/method/low-rank-adaptation"
    assert entity.name == "Low-Rank Adaptation"  # the long form names it, even if the short is commoner
    assert entity.aliases == ("LoRA",)
    assert entity.mention_count == 3


def test_abbreviation_long_form_in_the_kb(kb: KnowledgeBase) -> None:
    linked = link([paper("p1", mention("LLMs"), defs=(("LLMs", "Large Language Models"),))], kb)
    assert entity_of(linked, "p1", "LLMs").id == "method/large-language-model"


def test_local_definition_beats_the_kb(kb: KnowledgeBase) -> None:
    linked = link([
        paper("p1", mention("SST", "TASK"), defs=(("SST", "sea surface temperature"),)),
        paper("p2", mention("SST", "DATASET"), defs=(("SST", "Stanford Sentiment Treebank"),)),
        paper("p3", mention("SST", "DATASET")),  # definitions disagree; the KB has one entry "SST"
    ], kb)
    assert entity_of(linked, "p1", "SST").id == "new/task/sea-surface-temperature"
    assert entity_of(linked, "p2", "SST").id == "dataset/sst-2"
    assert entity_of(linked, "p3", "SST").id == "dataset/sst-2"


def test_ambiguous_short_form_stays_apart(kb: KnowledgeBase) -> None:
    linked = link([
        paper("p1", mention("PLM"), mention("PLM"), defs=(("PLM", "pre-trained language model"),)),
        paper("p2", mention("PLMs"), defs=(("PLMs", "protein language models"),)),
        paper("p3", mention("PLM")),
    ], kb)
    first, second, third = (entity_of(linked, "p1", "PLM"), entity_of(linked, "p2", "PLMs"),
                            entity_of(linked, "p3", "PLM"))
    assert first.id == "new/method/pre-trained-language-model"
    assert second.id == "new/method/protein-language-model"
    assert third.id == "new/method/plm"  # no local definition and no agreement: keyed by itself
    assert len({first.id, second.id, third.id}) == 3


def test_short_form_resolved_across_papers_when_unambiguous(kb: KnowledgeBase) -> None:
    linked = link([
        paper("p1", mention("MoE"), defs=(("MoE", "Mixture of Experts"),)),
        paper("p2", mention("MoE"), defs=(("MoE", "mixture-of-experts"),)),  # agrees after normalisation
        paper("p3", mention("MoEs")),
    ], kb)
    ids = {entity_of(linked, pid, text).id for pid, text in (("p1", "MoE"), ("p2", "MoE"), ("p3", "MoEs"))}
    assert ids == {"new/method/mixture-of-expert"}
    (entity,) = linked.entities
    assert entity.paper_count == 3
    assert entity.name == "Mixture of Experts"  # long forms, alphabetical tie-break ("M" < "m")


def test_undefined_short_form_follows_the_kb(kb: KnowledgeBase) -> None:
    linked = link([paper("p1", mention("MT", "TASK"))], kb)
    assert entity_of(linked, "p1", "MT").id == "task/machine-translation"


def test_unknown_mentions_cluster_across_papers_with_a_stable_id(kb: KnowledgeBase) -> None:
    linked = link([paper("p1", mention("Trans-Encoder")), paper("p2", mention("Trans-Encoder")),
                   paper("p3", mention("TransEncoder")), paper("p4", mention("Trans Encoder"))], kb)
    (entity,) = linked.entities
    assert entity.id == "new/method/trans-encoder"
    assert entity.name == "Trans-Encoder"
    assert entity.aliases == ("Trans Encoder", "TransEncoder")
    assert (entity.paper_count, entity.mention_count, entity.kb_id) == (4, 4, None)


def test_fuzzy_merge_of_near_spellings(kb: KnowledgeBase) -> None:
    linked = link([paper("p1", mention("language modeling", "TASK")),
                   paper("p2", mention("language modelling", "TASK")),
                   paper("p3", mention("language modelling", "TASK")),
                   paper("p4", mention("Stanford Sentimant Treebank", "DATASET"))], kb)
    assert entity_of(linked, "p1", "language modeling").id == "new/task/language-modelling"
    assert entity_of(linked, "p4", "Stanford Sentimant Treebank").id == "dataset/sst-2"  # fuzzy to a KB alias


def test_fuzzy_threshold_can_switch_fuzzy_matching_off(kb: KnowledgeBase) -> None:
    papers = [paper("p1", mention("language modeling", "TASK")),
              paper("p2", mention("language modelling", "TASK"))]
    assert len(link(papers, kb, fuzzy_threshold=100.0).entities) == 2
    assert len(link(papers, kb, fuzzy_threshold=0.0).entities) == 1
    with pytest.raises(OptionError, match="from 0 to 100"):
        link(papers, kb, fuzzy_threshold=120.0)


def test_no_merge_across_digits(kb: KnowledgeBase) -> None:
    linked = link([
        paper("p1", mention("CIFAR-10", "DATASET"), mention("CIFAR-100", "DATASET"), mention("GPT-3"),
              mention("GPT-4"), mention("MegatronLanguageModel3"), mention("MegatronLanguageModel4"),
              mention("ResNet-50"), mention("ResNet-101"), mention("Llama-2"), mention("Llama-3")),
    ], kb)
    assert len(linked.entities) == 10
    assert entity_of(linked, "p1", "GPT-4").id == "new/method/gpt-4"
    assert entity_of(linked, "p1", "CIFAR-100").id == "dataset/cifar-100"


def test_majority_type_with_fixed_tie_break(kb: KnowledgeBase) -> None:
    linked = link([paper("p1", mention("FooNet", "DATASET"), mention("FooNet", "METHOD")),
                   paper("p2", mention("FooNet", "DATASET")),
                   paper("p3", mention("BarScore", "TASK"), mention("BarScore", "METRIC"))], kb)
    assert entity_of(linked, "p1", "FooNet").id == "new/dataset/foonet"
    assert entity_of(linked, "p3", "BarScore").label == "METRIC"  # 1:1, METRIC comes before TASK


def test_canonical_name_most_frequent_then_alphabetical(kb: KnowledgeBase) -> None:
    many = link([paper("p1", mention("XLNetPlus")), paper("p2", mention("XLNet-Plus")),
                 paper("p3", mention("XLNet-Plus"))], kb)
    assert [e.name for e in many.entities] == ["XLNet-Plus"]
    tie = link([paper("p1", mention("xlnet plus")), paper("p2", mention("XLNet Plus"))], kb)
    assert [e.name for e in tie.entities] == ["XLNet Plus"]  # "X" < "x"
    # spellings count together: three ways to write one key beat a typo written twice the same way
    grouped = link([paper("p1", mention("Multi-Person Pose Estimation", "TASK")),
                    paper("p2", mention("multi person pose estimation", "TASK")),
                    paper("p3", mention("Multi Person Pose Estimation", "TASK")),
                    paper("p4", mention("Multi-Person Pose Estimaton", "TASK")),
                    paper("p5", mention("Multi-Person Pose Estimaton", "TASK"))], kb)
    assert [e.name for e in grouped.entities] == ["Multi Person Pose Estimation"]


def test_paper_and_mention_counts(kb: KnowledgeBase) -> None:
    linked = link([paper("p1", mention("ZetaNet"), mention("ZetaNet")), paper("p2", mention("ZetaNet")),
                   paper("p1", mention("ZetaNet"))], kb)  # p1 given twice (a repeated paper)
    (entity,) = linked.entities
    assert (entity.paper_count, entity.mention_count) == (2, 4)


def test_colliding_slugs_get_distinct_ids(kb: KnowledgeBase) -> None:
    linked = link([paper("p1", mention("C++"), mention("C"))], kb)
    ids = [e.id for e in linked.entities]
    assert len(set(ids)) == 2 and all(i.startswith("new/method/c-") for i in ids)


def test_deterministic_under_shuffling(kb: KnowledgeBase) -> None:
    papers = [
        paper("p1", mention("Trans-Encoder"), mention("LLMs"), mention("CIFAR10", "DATASET"),
              defs=(("LLMs", "large language models"),)),
        paper("p2", mention("TransEncoder"), mention("PLM"), mention("language modelling", "TASK"),
              defs=(("PLM", "pre-trained language model"),)),
        paper("p3", mention("PLM"), mention("language modeling", "TASK"), mention("XLNet Plus")),
        paper("p4", mention("PLM"), mention("xlnet plus"), defs=(("PLM", "protein language model"),)),
        paper("p5", mention("FooNet", "DATASET"), mention("FooNet"), mention("GPT-4"), mention("GPT-3")),
    ]

    def snapshot(linked: Linked) -> tuple[tuple[Entity, ...], dict[tuple[str, int], str | None]]:
        ids = {(x.paper_id, m.start): m.entity_id for x in linked.extractions for m in x.mentions}
        return linked.entities, ids

    expected = snapshot(link(papers, kb))
    rng = random.Random(0)
    for _ in range(10):
        shuffled = papers[:]
        rng.shuffle(shuffled)
        assert snapshot(link(shuffled, kb)) == expected
    assert [e.id for e in expected[0]] == sorted(e.id for e in expected[0])


def test_extractions_keep_their_order_and_fields(kb: KnowledgeBase) -> None:
    papers = [paper("b", mention("BERT")), paper("a", mention("GLUE", "DATASET"))]
    linked = link(papers, kb)
    assert [x.paper_id for x in linked.extractions] == ["b", "a"]
    m = linked.extractions[0].mentions[0]
    assert (m.text, m.start, m.end, m.entity_id) == ("BERT", 0, 4, "method/bert")


def test_empty_input(kb: KnowledgeBase) -> None:
    assert link([], kb) == Linked(entities=(), extractions=())


texts = st.text(min_size=0, max_size=25) | st.sampled_from(
    ["CIFAR-10", "cifar10", "LLMs", "the", "---", "  ", "GPT-3", "C++", "ß", "İ", "ﬁ", "\u0301", "0", "SST"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(texts, st.sampled_from(LABELS)), max_size=6), max_size=6),
       st.lists(st.tuples(texts, texts), max_size=3))
def test_link_never_crashes_and_every_mention_has_a_known_entity(
    docs: list[list[tuple[str, Label]]], defs: list[tuple[str, str]],
) -> None:
    papers = [paper(f"p{i}", *(mention(t, label) for t, label in doc), defs=tuple(defs) if i % 2 else ())
              for i, doc in enumerate(docs)]
    linked = link(papers, load_kb([FIXTURE]))
    table = {e.id: e for e in linked.entities}
    assert len(table) == len(linked.entities)
    assert sum(e.mention_count for e in linked.entities) == sum(len(doc) for doc in docs)
    for extraction in linked.extractions:
        for m in extraction.mentions:
            assert m.entity_id in table
    for entity in linked.entities:
        assert entity.id in {e.id for e in load_kb([FIXTURE])} or re.fullmatch(
            r"new/(method|dataset|metric|task)/[a-z0-9-]+", entity.id)


# --- pairwise evaluation -------------------------------------------------------------------------

def test_linking_pairwise_by_hand() -> None:
    a1, a2, a3 = ("a", "abstract", 0, 1), ("a", "abstract", 5, 6), ("a", "title", 0, 1)
    b1, b2 = ("b", "abstract", 0, 1), ("b", "abstract", 5, 6)
    c1, d1 = ("c", "title", 0, 1), ("d", "title", 0, 1)
    predicted = [(a1, "X"), (a2, "X"), (a3, "Y"), (b1, "X"), (b2, "Y"), (c1, "X")]  # c1 has no gold
    gold = [(a1, "P"), (a2, "P"), (a3, "P"), (b1, "P"), (b2, "Q"), (d1, "P")]       # d1 no prediction
    r = linking_pairwise(predicted, gold)
    # predicted pairs: X={a1,a2,b1}: a1a2 (within), a1b1, a2b1 (across); Y={a3,b2}: a3b2 (across)
    # gold pairs: P={a1,a2,a3,b1}: a1a2, a1a3, a2a3 (within), a1b1, a2b1, a3b1 (across)
    # true pairs: a1a2 (within), a1b1, a2b1 (across)
    assert (r["mentions"], r["predicted_only"], r["gold_only"]) == (5, 1, 1)
    assert {k: r["within"][k] for k in ("tp", "predicted", "gold")} == {"tp": 1, "predicted": 1, "gold": 3}
    assert {k: r["across"][k] for k in ("tp", "predicted", "gold")} == {"tp": 2, "predicted": 3, "gold": 3}
    assert r["within"]["precision"] == 1.0 and r["within"]["recall"] == pytest.approx(1 / 3)
    assert r["across"]["precision"] == pytest.approx(2 / 3) and r["across"]["recall"] == pytest.approx(2 / 3)
    assert r["all"]["precision"] == pytest.approx(3 / 4) and r["all"]["recall"] == pytest.approx(1 / 2)
    assert r["all"]["f1"] == pytest.approx(2 * 0.75 * 0.5 / 1.25)


def test_linking_pairwise_of_link_output_against_itself(kb: KnowledgeBase) -> None:
    linked = link([paper("p1", mention("BERT"), mention("BERT")), paper("p2", mention("BERT"))], kb)
    pairs = [((x.paper_id, m.field, m.start, m.end), m.entity_id or "") for x in linked.extractions
             for m in x.mentions]
    r = linking_pairwise(pairs, pairs)
    assert (r["all"]["precision"], r["all"]["recall"]) == (1.0, 1.0)
    assert (r["within"]["tp"], r["across"]["tp"]) == (1, 2)
