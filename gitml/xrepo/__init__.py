"""Data shared between repositories: another gitml repository as a source (`gitml get`,
`import`, `update`, `ls`). Its Git objects come through a bare mirror clone; its data from
its own default remote, verified before it lands in our cache. Everything it sends is
untrusted: pointers, locks, config and manifests go through the same schema and path checks
as a clone's."""
