"""The model registry: artifact versions and stages as annotated Git tags, as GTO writes them.

`names` (tag grammar, SemVer), `tags` (one `git for-each-ref`), `state` (GTO's event model),
`views` (show/history/check-ref answers), `actions` (new tags), `artifacts` (gitml.yaml's
`artifacts:`), `fetching` (an artifact's bytes), `card` (model cards), `keep` (for gc).
"""
