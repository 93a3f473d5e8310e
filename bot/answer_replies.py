"""How an answer from the knowledge base reads to a citizen, on any channel."""

from __future__ import annotations

import cn2an

from bot import texts
from bot.core.messages import Button, CitedArticle, Reply
from knowledge.base import Answer, AnswerKind, KnowledgeBase, Suggestion
from knowledge.faq import Citation
from knowledge.statutes import Article, law_key, short_law_title

MAX_ARTICLE_PREVIEW = 400
RELATED_BUTTONS = 2


def render_answer(answer: Answer, knowledge: KnowledgeBase, *, full_text: bool = False) -> tuple[Reply, ...]:
    """The replies a citizen sees for an answer, on any channel."""
    library = knowledge.library
    if answer.kind is AnswerKind.FAQ:
        basis = texts.CITATION_SEPARATOR.join(
            citation_text(c.law, c.article) + ("" if library.article(c.law, c.article) else texts.CITED_NOT_LOADED)
            for c in answer.citations
        )
        buttons = [Button(texts.SHOW_ARTICLE, "full")] if _any_loaded(answer.citations, knowledge) else []
        buttons += [
            Button(texts.RELATED.format(title=s.title), _payload(s)) for s in answer.alternatives[:RELATED_BUTTONS]
            if s.faq is not None
        ]
        sources = _quote_line(answer.citations, knowledge) + _published_lines(answer.citations, knowledge)
        text = f"{answer.faq.answer}\n\n{texts.BASIS.format(citations=basis)}{sources}"
        return (Reply(text, tuple(buttons), _cited(answer.citations)),)
    if answer.kind in (AnswerKind.STATUTE, AnswerKind.LOOKUP):
        return (_article_reply(answer, full_text=full_text),)
    if answer.kind is AnswerKind.SUGGEST:
        lines = [texts.SUGGEST] + [
            texts.SUGGEST_ITEM.format(number=i, title=s.title) for i, s in enumerate(answer.alternatives, 1)
        ]
        buttons = tuple(Button(s.title, _payload(s)) for s in answer.alternatives)
        return (Reply("\n".join(lines), buttons + (Button(texts.NONE_OF_THESE, "human"),)),)
    if answer.kind is AnswerKind.CHAT:
        return (Reply(answer.chat.reply, (Button(texts.SEE_MENU, "menu"),)),)
    if answer.kind is AnswerKind.NOT_CHINESE:
        return (Reply(texts.NOT_CHINESE, (Button(texts.OFFER_HUMAN, "human"),)),)
    if answer.kind is AnswerKind.OUT_OF_SCOPE:
        return (Reply(f"{answer.topic.reply}\n{texts.OUT_OF_SCOPE_FOOTER}"),)
    if answer.kind is AnswerKind.NO_ARTICLE:
        law, number = answer.requested
        statute = library.resolve(law)
        if statute is None:
            return (not_loaded_reply(law, number, knowledge),)
        text = texts.NO_ARTICLE.format(law=statute.short_title, number=numeral(number), count=len(statute.articles))
        return (Reply(text),)
    return (Reply(texts.UNKNOWN, (Button(texts.OFFER_HUMAN, "human"), Button(texts.SEE_MENU, "menu"))),)


def not_loaded_reply(law: str, number: int, knowledge: KnowledgeBase) -> Reply:
    """An article whose text is not loaded: where its official text is published."""
    return Reply(texts.LAW_NOT_LOADED.format(law=short_law_title(law), number=numeral(number),
                                             where=knowledge.library.where_published(law)))


def _published_lines(citations: tuple[Citation, ...], knowledge: KnowledgeBase) -> str:
    """For each cited rule whose text is not loaded, where its official text is published."""
    library = knowledge.library
    missing = dict.fromkeys(short_law_title(c.law) for c in citations if not library.article(c.law, c.article))
    return "".join("\n" + texts.PUBLISHED_AT.format(law=law, where=library.where_published(law)) for law in missing)


def _quote_line(citations: tuple[Citation, ...], knowledge: KnowledgeBase) -> str:
    """The statute's own words the answer rests on (checked by `kb check`), under the citations."""
    quoted = next((c for c in citations if c.quote and knowledge.library.article(c.law, c.article)), None)
    if quoted is None:
        return ""
    return "\n" + texts.BASIS_QUOTE.format(citation=citation_text(quoted.law, quoted.article), quote=quoted.quote)


def _article_reply(answer: Answer, *, full_text: bool) -> Reply:
    article: Article = answer.article
    citation = citation_text(article.law, article.number)
    body = article.text
    buttons: tuple[Button, ...] = ()
    if not full_text and len(body) > MAX_ARTICLE_PREVIEW:
        body = body[:MAX_ARTICLE_PREVIEW] + texts.ARTICLE_TRUNCATED
        buttons = (Button(texts.SHOW_ARTICLE, "full"),)
    template = texts.ARTICLE_TEXT if answer.kind is AnswerKind.LOOKUP else texts.STATUTE_MATCH
    return Reply(template.format(citation=citation, text=body), buttons, (CitedArticle(article.law, article.number),))


def _payload(suggestion: Suggestion) -> str:
    if suggestion.faq is not None:
        return f"faq:{suggestion.faq.id}"
    return f"art:{law_key(suggestion.article.law)}:{suggestion.article.number}"


def _any_loaded(citations, knowledge: KnowledgeBase) -> bool:
    return any(knowledge.library.article(c.law, c.article) for c in citations)


def _cited(citations: tuple[Citation, ...]) -> tuple[CitedArticle, ...]:
    return tuple(CitedArticle(c.law, c.article) for c in citations)


def citation_text(law: str, number: int) -> str:
    return texts.CITATION.format(law=short_law_title(law), number=numeral(number))


def numeral(number: int) -> str:
    return cn2an.an2cn(number)
