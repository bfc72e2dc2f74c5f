/* The floor under any C tracer: a hook that does nothing, installed the way pytrace installs its own
   (sys.monitoring callbacks for the events pytrace needs on 3.12+, a frame evaluator that calls the interpreter's on
   3.11, the C profile hook before). Built by bench/run.py. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#if PY_VERSION_HEX < 0x03090000
#include <frameobject.h>
#endif

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
static PyObject *noop_evaluator(PyThreadState *tstate, struct _PyInterpreterFrame *frame, int throwflag)
{
    return _PyEval_EvalFrameDefault(tstate, frame, throwflag);
}
#elif PY_VERSION_HEX < 0x030B0000
static int noop_profile(PyObject *self, PyFrameObject *frame, int what, PyObject *arg)
{
    return 0;
}
#endif

static PyObject *noop_event(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_RETURN_NONE;
}

static PyObject *install(PyObject *self, PyObject *unused)
{
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    _PyInterpreterState_SetEvalFrameFunc(PyInterpreterState_Get(), noop_evaluator);
#elif PY_VERSION_HEX < 0x030B0000
    PyEval_SetProfile(noop_profile, NULL);
#endif
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"install", install, METH_NOARGS, "installs the no-op frame evaluator (3.11) or C profile hook (3.8-3.10)"},
    {"noop_event", (PyCFunction)(void (*)(void))noop_event, METH_FASTCALL, "a no-op sys.monitoring callback"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "noop_hook", NULL, -1, methods};

PyMODINIT_FUNC PyInit_noop_hook(void)
{
    return PyModule_Create(&module);
}
