// A denoising autoencoder trained on MNIST through the engine library, on the best accelerator present, then saved.
// Usage: dotnet run --project samples/TrainDae -- [output folder] [training images]
using ILGPUAE.Backends;
using ILGPUAE.Training;

var outDir = args.Length > 0 ? args[0] : "runs/sample-dae";
var options = new DaeOptions { Hidden = 100, Epochs = 1, TrainLimit = args.Length > 1 ? int.Parse(args[1]) : 10000 };
var request = new DaeRunRequest(options, AcceleratorKind.Auto, Device: 0, DataDir: null, OutDir: outDir, Resume: false, Force: true);
var metrics = DaeTraining.Run(request, TextTrainingObserver.Console);
Console.WriteLine($"test loss {metrics.Epochs[^1].TestLoss:F4}; saved {Path.Combine(outDir, DaeCheckpoint.ModelFileName)}");
