// ILGPU's CPU accelerator runs one kernel at a time and every backend fixture is shared, so test
// collections run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
