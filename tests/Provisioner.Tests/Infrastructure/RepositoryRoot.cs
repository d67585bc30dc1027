namespace Provisioner.Tests.Infrastructure;

internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>The build configuration these tests were built in (Release under ./test.sh), so they find the other projects' output.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{System.IO.Path.DirectorySeparatorChar}Release{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Provisioner.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Provisioner.sln not found above " + AppContext.BaseDirectory);
    }
}
