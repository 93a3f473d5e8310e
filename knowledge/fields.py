"""Consumer fields (knowledge/data/consumer_fields.toml): the goods and services categories a 12315 office
records a case under, and the one a text is most about."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

OTHER = "other"


@dataclass(frozen=True)
class FieldCitation:
    """The article a warning about the field cites, and its own words."""

    law: str
    article: int
    quote: str


@dataclass(frozen=True)
class ConsumerField:
    code: str
    label: str
    group: str
    """商品 or 服务 (or 其他)."""
    words: tuple[str, ...]
    citation: FieldCitation


class ConsumerFields:
    """The fields in their file order; `suggest` picks the one a cleaned text mentions most."""

    def __init__(self, fields: list[ConsumerField]) -> None:
        self.fields = tuple(fields)
        self.labels = {field.code: field.label for field in fields}
        self.by_code = {field.code: field for field in fields}

    def suggest(self, cleaned: str) -> str:
        """The field whose words the text mentions most (a word weighs its length: 健身卡 over 卡); OTHER when
        none is mentioned. The first field in the file wins a tie."""
        text = cleaned.lower()
        scores = {field.code: sum(len(word) for word in field.words if word in text) for field in self.fields}
        best = max(self.fields, key=lambda field: scores[field.code])
        return best.code if scores[best.code] else OTHER


SHIPPED = Path(__file__).resolve().parent / "data" / "consumer_fields.toml"


@functools.cache
def shipped_labels() -> dict[str, str]:
    """Code -> label of the shipped fields, for reports that show a case's field by name."""
    return dict(load_fields(SHIPPED).labels)


def load_fields(path: Path) -> ConsumerFields:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    default = _citation(raw["default_citation"])
    fields = [ConsumerField(item["code"], item["label"], item["group"], tuple(item.get("words", ())),
                            _citation(item) if "law" in item else default)
              for item in raw.get("field", [])]
    if OTHER not in {field.code for field in fields}:
        raise ValueError(f"{path}: the field {OTHER!r} must be listed")
    return ConsumerFields(fields)


def _citation(item: dict) -> FieldCitation:
    return FieldCitation(item["law"], int(item["article"]), item["quote"])
