namespace ScaiGrid.Testing.Servers;

/// <summary>A fresh SCAIGRID_MODULE_PATH holding the sample test module, for the real executable.</summary>
public static class SampleModuleDirectory
{
    public static string Create()
    {
        var dir = Path.Combine(Path.GetTempPath(), "scaigrid-tests", "modules-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "ScaiGrid.Modules.Sample.dll"), Path.Combine(dir, "ScaiGrid.Modules.Sample.dll"));
        return dir;
    }
}
