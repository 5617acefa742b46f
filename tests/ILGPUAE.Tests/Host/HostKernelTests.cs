namespace ILGPUAE.Tests.Host;

using ILGPUAE.Tests.Kernels;

[Collection(HostCollection.Name)]
public sealed class HostKernelTests(HostFixture fixture) : KernelReferenceTests(fixture.Backend, hasSampleSgd: false);

[Collection(HostCollection.Name)]
public sealed class HostPortableKernelTests(HostFixture fixture) : KernelReferenceTests(fixture.Portable, hasSampleSgd: false);
