/* A stand-in for python.exe in the Windows (Wine) tests: no Windows CPython
 * can be fetched on the test machine. It answers pyman's version probe
 * (`-E -s -S -c …`) with FAKE_PYTHON_VERSION (default 3.12.4), and otherwise
 * prints, one per line and in UTF-8: argv[0], each argument, the current
 * folder and VIRTUAL_ENV; `--exit N` makes it exit with N. */
#include <windows.h>
#include <stdlib.h>
#include <stdio.h>
#include <wchar.h>

static void out(const wchar_t *label, const wchar_t *text)
{
    char buf[8192];
    HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);
    DWORD written;
    int n = WideCharToMultiByte(CP_UTF8, 0, label, -1, buf, sizeof buf, NULL, NULL);
    WriteFile(h, buf, n - 1, &written, NULL);
    n = WideCharToMultiByte(CP_UTF8, 0, text, -1, buf, sizeof buf, NULL, NULL);
    WriteFile(h, buf, n - 1, &written, NULL);
    WriteFile(h, "\n", 1, &written, NULL);
}

int wmain(int argc, wchar_t **argv)
{
    wchar_t value[4096];
    if (argc >= 5 && wcscmp(argv[1], L"-E") == 0 && wcscmp(argv[2], L"-s") == 0 && wcscmp(argv[3], L"-S") == 0
        && wcscmp(argv[4], L"-c") == 0) {
        /* pyman reads "<version> <variant>". */
        wchar_t answer[4200];
        DWORD n = GetEnvironmentVariableW(L"FAKE_PYTHON_VERSION", value, 4096);
        swprintf(answer, 4200, L"%ls default", n > 0 ? value : L"3.12.4");
        out(L"", answer);
        return 0;
    }
    out(L"argv0=", argv[0]);
    for (int i = 1; i < argc; i++)
        out(L"arg=", argv[i]);
    GetCurrentDirectoryW(4096, value);
    out(L"cwd=", value);
    out(L"venv=", GetEnvironmentVariableW(L"VIRTUAL_ENV", value, 4096) > 0 ? value : L"-");
    for (int i = 1; i + 1 < argc; i++)
        if (wcscmp(argv[i], L"--exit") == 0)
            return _wtoi(argv[i + 1]);
    return 0;
}
