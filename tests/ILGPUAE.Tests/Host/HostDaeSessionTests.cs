namespace ILGPUAE.Tests.Host;

using ILGPUAE.Tests.Training;

/// <summary>
/// The host provider's trainer against the double reference trainer: the provider the README's host results came
/// from, as production runs it (every core, the best tile) and on the portable tile with three threads.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class HostDaeSessionTests(HostFixture fixture) : DaeSessionTests(fixture.Backend, hasSampleSgd: false);

[Collection(HostCollection.Name)]
public sealed class HostPortableDaeSessionTests(HostFixture fixture) : DaeSessionTests(fixture.Portable, hasSampleSgd: false);
