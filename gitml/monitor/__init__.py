"""Data drift between two versions of a table (`gitml drift`, SPEC section 11).

The only home of pyarrow, numpy and scipy in gitml (the `drift` extra); every module here is
imported lazily, by the drift command and by `report`'s drift section.
"""
