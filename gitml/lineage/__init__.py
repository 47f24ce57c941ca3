"""Lineage: what produced an output (the upstream walk of one commit's locks and pointers),
what consumed a data version (`--used-by`, over many commits), OpenLineage events, and the
governance check of annotations (owner, licence, PII).

`facts` (one commit's locks and pointers, read from Git objects), `target` (what TARGET
names), `walk` (the upstream walk), `render` (text, Markdown, Mermaid), `openlineage`,
`usedby` (the reverse question), `lockcache` (what each commit's locks say, cached by
commit), `lockscan` (a lock's deps and outs read from gitml's own form of it, without
PyYAML), `governance` (annotations).
"""
