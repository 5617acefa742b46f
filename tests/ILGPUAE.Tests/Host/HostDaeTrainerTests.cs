namespace ILGPUAE.Tests.Host;

using ILGPUAE.Tests.Training;

/// <summary>
/// The host provider's trainer against the double reference trainer: the provider the README's host results came
/// from, as production runs it (every core, the best tile) and on the portable tile with three threads.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class HostDaeTrainerTests(HostFixture fixture) : DaeTrainerTests(fixture.Backend, hasSampleSgd: false);

[Collection(HostCollection.Name)]
public sealed class HostPortableDaeTrainerTests(HostFixture fixture) : DaeTrainerTests(fixture.Portable, hasSampleSgd: false);
